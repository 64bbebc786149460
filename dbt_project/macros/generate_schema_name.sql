{#- Schemas are named exactly as configured (staging, intermediate, marts, panel):
    the contract's table names are `marts.fct_...`, not `main_marts.fct_...`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}
