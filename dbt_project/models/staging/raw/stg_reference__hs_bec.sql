{#- HS1996 -> BEC Rev.4 (CONTRACT reference/hs_bec), typed. The end use of a
    code is derived downstream (int_hs_end_use) from the BEC class. -#}
with source_rows as (
    select * from {{ read_raw('reference', 'hs_bec') }}
)

select
    cast(hs6_1996 as varchar) as hs6_1996,
    cast(bec_code as varchar) as bec_code,
    cast(end_use as varchar) as end_use
from source_rows
