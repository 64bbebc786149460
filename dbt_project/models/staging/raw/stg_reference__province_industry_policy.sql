{#- Provincial five-year-plan attitudes to industries (CONTRACT
    reference/province_industry_policy), typed; flags parsed from booleans or
    `true`/`false` text (any case). -#}
with source_rows as (
    select * from {{ read_raw('reference', 'province_industry_policy') }}
)

select
    cast(province_code as varchar) as province_code,
    cast(industry_code as varchar) as industry_code,
    cast(plan as varchar) as plan,
    cast(attitude as integer) as attitude,
    {{ parse_bool('provincial_priority') }} as provincial_priority,
    {{ parse_bool('national_priority') }} as national_priority
from source_rows
