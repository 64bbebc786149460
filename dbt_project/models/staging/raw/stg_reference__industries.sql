{#- 2-digit CIC industries (CONTRACT reference/industries), typed. -#}
with source_rows as (
    select * from {{ read_raw('reference', 'industries') }}
)

select
    cast(industry_code as varchar) as industry_code,
    cast(industry_name as varchar) as industry_name,
    cast(tech_intensity as varchar) as tech_intensity
from source_rows
