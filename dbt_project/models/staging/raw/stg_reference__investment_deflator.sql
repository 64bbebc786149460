{#- Yearly price index of fixed investment, 1998 = 1 (METHOD §0 step 5;
    CONTRACT reference/investment_deflator, optional), typed. Without the
    table this is empty, and no firm-year has perpetual-inventory capital
    (int_survey_real_values): the production side then keeps nominal values. -#}
{%- set absent = "(select cast(null as integer) as year, cast(null as double) as deflator where false)" -%}
with source_rows as (
    select * from {{ read_raw('reference', 'investment_deflator', fallback=absent) }}
)

select
    cast(year as integer) as year,
    cast(deflator as double) as deflator
from source_rows
