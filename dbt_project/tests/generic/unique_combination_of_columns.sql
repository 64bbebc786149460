{#- The columns together identify a row (no dbt_utils here).
    Usage (model level):
        data_tests:
          - unique_combination_of_columns:
              arguments: {combination_of_columns: [year, firm_id]}
    Fails with one row per duplicated key. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as n_rows
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
