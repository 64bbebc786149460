{#- Every listed column is non-NULL in every row. One test per model, where
    dbt's not_null is one per column: each test is a node dbt compiles, runs
    and reports (about 20 ms apiece, and a build runs every test), so a model
    with many required columns checks them in one pass. Model level:
        data_tests:
          - not_null_columns:
              arguments:
                columns: [year, firm_id]
    Fails with one row per column that holds NULLs: the column and its number
    of NULL rows. -#}
{% test not_null_columns(model, columns) %}
with null_rows as (
    select
    {%- for column in columns %}
        count(*) filter (where "{{ column }}" is null) as "{{ column }}"{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
select column_name, n_null_rows
from (unpivot null_rows on columns(*) into name column_name value n_null_rows)
where n_null_rows > 0
{% endtest %}
