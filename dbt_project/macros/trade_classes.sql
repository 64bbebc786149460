{#- METHOD §1 classifications, equal to analytics.synth.truth.trade. -#}

{#- HS version in force in a year: HS1996 2000-2001, HS2002 2002-2006,
    HS2007 2007-2011, HS2012 2012-2014; NULL outside 2000-2014. -#}
{% macro hs_version(year) -%}
case
    when {{ year }} between 2000 and 2001 then 'HS1996'
    when {{ year }} between 2002 and 2006 then 'HS2002'
    when {{ year }} between 2007 and 2011 then 'HS2007'
    when {{ year }} between 2012 and 2014 then 'HS2012'
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
