{#- METHOD §1 classifications, equal to analytics.synth.truth.trade. -#}

{#- HS version in force in a year: HS1996 2000-2001, HS2002 2002-2006,
    HS2007 2007-2011, HS2012 2012-2016 (analytics.settings.HS_VERSION_BY_YEAR);
    NULL outside 2000-2016. -#}
{% macro hs_version(year) -%}
case
    when {{ year }} between 2000 and 2001 then 'HS1996'
    when {{ year }} between 2002 and 2006 then 'HS2002'
    when {{ year }} between 2007 and 2011 then 'HS2007'
    when {{ year }} between 2012 and 2016 then 'HS2012'
end
{%- endmacro %}

{#- End use of a BEC Rev.4 basic class: capital 41, 521; intermediate 111,
    121, 21, 22, 31, 322, 42, 53; consumption 112, 122, 522, 61, 62, 63;
    anything else (51, 321, 7, ...) NULL = unclassified. -#}
{% macro bec_end_use(bec_code) -%}
case trim({{ bec_code }})
    when '41' then 'capital'
    when '521' then 'capital'
    when '111' then 'intermediate'
    when '121' then 'intermediate'
    when '21' then 'intermediate'
    when '22' then 'intermediate'
    when '31' then 'intermediate'
    when '322' then 'intermediate'
    when '42' then 'intermediate'
    when '53' then 'intermediate'
    when '112' then 'consumption'
    when '122' then 'consumption'
    when '522' then 'consumption'
    when '61' then 'consumption'
    when '62' then 'consumption'
    when '63' then 'consumption'
end
{%- endmacro %}

{#- A var given as a bool or as text (`true`/`false`) as a Jinja bool. -#}
{% macro var_flag(name) -%}
    {%- set value = var(name) -%}
    {%- if value is string -%}
        {{ return(value | lower | trim in ['true', '1', 'yes', 'on']) }}
    {%- endif -%}
    {{ return(true if value else false) }}
{%- endmacro %}

{#- True when the text is NULL or only whitespace (Python's str.strip()
    whitespace: ASCII, \v, \x1c-\x1f, \x85 and Unicode Z*). -#}
{% macro is_blank(expr) -%}
({{ expr }} is null or regexp_full_match({{ expr }}, '[\s\v\p{Z}\x{1c}-\x{1f}\x{85}]*'))
{%- endmacro %}

{#- METHOD §1 conversion to HS1996 of a line with columns hs_version and hs6,
    left-joined to the concordance links by concordance_join(): an HS1996
    line keeps its code with weight 1; a later version takes each linked
    HS1996 code with the link's weight; an unlinked code is kept whole
    (hs6_1996 NULL, weight 1). -#}
{% macro hs6_1996_of(lines, links) -%}
case
    when {{ lines }}.hs_version = 'HS1996' then {{ lines }}.hs6
    else {{ links }}.hs6_1996
end
{%- endmacro %}

{% macro split_weight_of(lines, links) -%}
case
    when {{ lines }}.hs_version = 'HS1996' then 1.0
    else coalesce({{ links }}.weight, 1.0)
end
{%- endmacro %}

{% macro concordance_join(lines, links) -%}
{{ lines }}.hs_version <> 'HS1996'
        and {{ links }}.from_version = {{ lines }}.hs_version
        and {{ links }}.from_hs6 = {{ lines }}.hs6
{%- endmacro %}
