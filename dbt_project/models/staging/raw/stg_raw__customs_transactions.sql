{#- China customs transactions (CONTRACT customs_transactions), typed. Codes
    stay varchar with their leading zeros; values in USD. -#}
with source_rows as (
    select * from {{ read_raw('raw', 'customs_transactions') }}
)

select
    cast(year as integer) as year,
    cast(month as integer) as month,
    cast(customs_firm_id as varchar) as customs_firm_id,
    cast(firm_name as varchar) as firm_name,
    cast(phone as varchar) as phone,
    cast(zip_code as varchar) as zip_code,
    cast(flow as varchar) as flow,
    cast(trade_regime as varchar) as trade_regime,
    cast(hs_code as varchar) as hs_code,
    cast(partner_country as varchar) as partner_country,
    cast(value_usd as double) as value_usd,
    cast(quantity as double) as quantity,
    cast(unit as varchar) as unit
from source_rows
