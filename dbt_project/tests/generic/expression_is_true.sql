{#- Every row satisfies a SQL boolean expression (NULL counts as a failure
    unless the expression handles it). Model or column level:
        data_tests:
          - expression_is_true:
              arguments: {expression: "value_usd >= 0"} -#}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
