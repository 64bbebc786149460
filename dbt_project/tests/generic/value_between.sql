{#- Every non-NULL value lies in [min_value - tolerance, max_value + tolerance]
    (either bound may be left out). Column level:
        data_tests:
          - value_between:
              arguments: {min_value: 0, max_value: 1, tolerance: 1.0e-12}
    Fails with one row per value outside the range; NULLs pass (pair with
    not_null where they must not occur). -#}
{% test value_between(model, column_name, min_value=none, max_value=none, tolerance=0) %}
select {{ column_name }} as value_outside_range
from {{ model }}
where {{ column_name }} is not null
    and (
        {%- if min_value is not none %}
        {{ column_name }} < {{ min_value }} - {{ tolerance }}
        {%- else %}
        false
        {%- endif %}
        or
        {%- if max_value is not none %}
        {{ column_name }} > {{ max_value }} + {{ tolerance }}
        {%- else %}
        false
        {%- endif %}
    )
{% endtest %}
