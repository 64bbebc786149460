{#- HS1996 -> 2-digit industry and upstreamness (CONTRACT reference/hs_industry),
    typed; a NULL upstreamness is computed later from io_links. -#}
with source_rows as (
    select * from {{ read_raw('reference', 'hs_industry') }}
)

select
    cast(hs6_1996 as varchar) as hs6_1996,
    cast(industry_code as varchar) as industry_code,
    cast(upstreamness as double) as upstreamness
from source_rows
