{#- Every row's combination of `columns` exists in `to` (a composite-key
    relationships test; rows with a NULL in any column are skipped). Usage
    (model level):
        data_tests:
          - relationships_on_columns:
              arguments:
                columns: [year, firm_id]
                to: ref('int_survey_prepared')
    `to_columns` defaults to the same names. -#}
{% test relationships_on_columns(model, columns, to, to_columns=none) %}
{%- set to_columns = to_columns or columns %}
with child_keys as (
    select distinct {{ columns | join(', ') }}
    from {{ model }}
    where {% for c in columns %}{{ c }} is not null{{ ' and ' if not loop.last }}{% endfor %}
),

parent_keys as (
    select distinct
        {%- for c in to_columns %}
        {{ c }} as {{ columns[loop.index0] }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ to }}
)

select child_keys.*
from child_keys
anti join parent_keys
    using ({{ columns | join(', ') }})
{% endtest %}
