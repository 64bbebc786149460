{#- A SQL list literal of strings, `['a', 'b']`: the check names a quality-count
    model unnests into one row per (year, check). -#}
{% macro string_list(values) -%}
[{% for v in values %}'{{ v | replace("'", "''") }}'{{ ', ' if not loop.last }}{% endfor %}]
{%- endmacro %}
