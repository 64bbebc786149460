{#- Helpers of the analysis panel (METHOD §5-§6). -#}

{#- A var that must take one of `allowed` values (checked at compile time,
    like the Literal options of analytics.settings.MethodSettings). -#}
{% macro var_choice(name, allowed) -%}
    {%- set value = var(name) -%}
    {%- if value not in allowed -%}
        {{ exceptions.raise_compiler_error(name ~ " must be one of " ~ (allowed | join(', ')) ~ ", got " ~ value) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- Great-circle (haversine) distance in km between two points given in
    degrees, Earth radius 6371.0088 km (the IUGG mean radius, as
    analytics.synth.geography.great_circle_km):

        d = 2 R asin(sqrt(sin^2(dlat/2) + cos lat1 cos lat2 sin^2(dlon/2)))

    the radicand clipped to [0, 1] against rounding. -#}
{% macro great_circle_km(lon1, lat1, lon2, lat2) -%}
(2.0 * 6371.0088 * asin(sqrt(least(greatest(
    pow(sin(radians({{ lat2 }} - {{ lat1 }}) / 2.0), 2)
    + cos(radians({{ lat1 }})) * cos(radians({{ lat2 }})) * pow(sin(radians({{ lon2 }} - {{ lon1 }}) / 2.0), 2),
    0.0), 1.0))))
{%- endmacro %}

{#- The Five-Year Plan in force in a year (METHOD §6): 9th 1996-2000, 10th
    2001-2005, 11th 2006-2010, 12th 2011-2015; NULL outside 1996-2015. -#}
{% macro five_year_plan(year) -%}
case
    when {{ year }} between 1996 and 2000 then '9th'
    when {{ year }} between 2001 and 2005 then '10th'
    when {{ year }} between 2006 and 2010 then '11th'
    when {{ year }} between 2011 and 2015 then '12th'
end
{%- endmacro %}

{#- ln(x), NULL unless x > 0. -#}
{% macro ln_positive(expr) -%}
case when ({{ expr }}) > 0 then ln({{ expr }}) end
{%- endmacro %}

{#- Winsorisation (METHOD §5): each of `columns` clipped to its
    [var winsor_lower, var winsor_upper] quantiles over the rows of
    `relation` (a CTE name), by linear interpolation (quantile_cont, the same
    as pandas' default quantile); over the full sample, or within each year
    when var winsorisation = 'per_year'. NULLs stay NULL and are left out of
    the quantiles. Returns a subquery with every column of `relation`, the
    listed ones clipped (as double). -#}
{% macro winsorise(relation, columns) -%}
    {%- set scope = var_choice('winsorisation', ['full_sample', 'per_year']) -%}
    {%- set lower = var('winsor_lower') | float -%}
    {%- set upper = var('winsor_upper') | float -%}
    {%- if not (0.0 <= lower <= upper <= 1.0) -%}
        {{ exceptions.raise_compiler_error("winsor_lower and winsor_upper must satisfy 0 <= lower <= upper <= 1, got " ~ lower ~ ", " ~ upper) }}
    {%- endif -%}
(
    with winsor_bounds as (
        select
            {%- if scope == 'per_year' %}
            year,
            {%- endif %}
            {%- for c in columns %}
            quantile_cont({{ c }}, {{ lower }}) as {{ c }}__lower,
            quantile_cont({{ c }}, {{ upper }}) as {{ c }}__upper{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ relation }}
        {%- if scope == 'per_year' %}
        group by year
        {%- endif %}
    )

    select
        {{ relation }}.* replace (
            {%- for c in columns %}
            case
                when {{ relation }}.{{ c }} is not null
                    then least(greatest(cast({{ relation }}.{{ c }} as double), winsor_bounds.{{ c }}__lower), winsor_bounds.{{ c }}__upper)
            end as {{ c }}{{ ',' if not loop.last }}
            {%- endfor %}
        )
    from {{ relation }}
    {%- if scope == 'per_year' %}
    left join winsor_bounds
        on {{ relation }}.year = winsor_bounds.year
    {%- else %}
    cross join winsor_bounds
    {%- endif %}
)
{%- endmacro %}
