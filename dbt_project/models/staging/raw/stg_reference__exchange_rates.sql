{#- Yearly CNY per USD (CONTRACT reference/exchange_rates), typed. -#}
with source_rows as (
    select * from {{ read_raw('reference', 'exchange_rates') }}
)

select
    cast(year as integer) as year,
    cast(cny_per_usd as double) as cny_per_usd
from source_rows
