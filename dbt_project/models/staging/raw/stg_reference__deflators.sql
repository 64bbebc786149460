{#- 2-digit industry-year output and input price indices, 1998 = 1 (METHOD §0
    step 5; CONTRACT reference/deflators, optional), typed. Without the table
    this is empty, and every firm-year's real values are NULL
    (int_survey_real_values): the production side then keeps nominal values. -#}
{%- set absent = "(select cast(null as varchar) as industry_code, cast(null as integer) as year, "
    ~ "cast(null as double) as output_deflator, cast(null as double) as input_deflator where false)" -%}
with source_rows as (
    select * from {{ read_raw('reference', 'deflators', fallback=absent) }}
)

select
    cast(industry_code as varchar) as industry_code,
    cast(year as integer) as year,
    cast(output_deflator as double) as output_deflator,
    cast(input_deflator as double) as input_deflator
from source_rows
