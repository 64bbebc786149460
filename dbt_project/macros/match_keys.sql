{#- METHOD §2 step (b) keys: the DuckDB functions gvc_phone_key and
    gvc_zip_key, i.e. analytics.names.phone_key / zip_key themselves (see
    normalise_name.sql for how they reach SQL, and why only tables may call them).

    `phone_key(expr)`: NFKC (full-width and circled digits become ASCII), every
    character but the ASCII digits 0-9 dropped, the last 7 digits; NULL when
    missing or fewer than 7 digits.
    `zip_key(expr)`: NFKC, ASCII digits only; NULL when missing or no digit.
-#}
{% macro phone_key(expr) -%}
{{ method_key_function('gvc_phone_key', expr) }}
{%- endmacro %}

{% macro zip_key(expr) -%}
{{ method_key_function('gvc_zip_key', expr) }}
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
