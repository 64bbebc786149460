{#- METHOD §2 step (b) keys, equal to analytics.synth.truth.names.

    `phone_key(expr)`: NFKC (full-width digits become ASCII), every non-digit
    dropped, the last 7 digits; NULL when missing or fewer than 7 digits.
    `zip_key(expr)`: NFKC, digits only; NULL when missing or no digit.
-#}
{% macro _digits_only(expr) -%}
regexp_replace(translate({{ expr }}, '０１２３４５６７８９', '0123456789'), '[^0-9]+', '', 'g')
{%- endmacro %}

{% macro phone_key(expr) -%}
case when length({{ _digits_only(expr) }}) >= 7 then right({{ _digits_only(expr) }}, 7) end
{%- endmacro %}

{% macro zip_key(expr) -%}
nullif({{ _digits_only(expr) }}, '')
{%- endmacro %}

{#- A flag column (boolean in Parquet, `true`/`false` any case in CSV). -#}
{% macro parse_bool(expr) -%}
case lower(trim(cast({{ expr }} as varchar))) when 'true' then true when 'false' then false end
{%- endmacro %}

{#- The third panel-linking key of METHOD §2 (Brandt et al. 2012): legal
    representative + city + industry, NULL unless all three are present. -#}
{% macro legal_rep_city_industry_key(rel) -%}
    case
        when {{ rel }}.legal_rep_norm is not null
            and {{ rel }}.city_code is not null
            and {{ rel }}.industry_code is not null
            then {{ rel }}.legal_rep_norm || '|' || {{ rel }}.city_code || '|' || {{ rel }}.industry_code
    end
{%- endmacro %}
