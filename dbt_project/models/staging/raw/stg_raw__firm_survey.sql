{#- Annual survey of industrial firms, typed (CONTRACT firm_survey), with the
    METHOD §2 match keys. One row per (year, firm_id); money in thousand RMB. -#}
with source_rows as (
    select * from {{ read_raw('raw', 'firm_survey') }}
),

typed as (
    select
        cast(year as integer) as year,
        cast(firm_id as varchar) as firm_id,
        cast(firm_name as varchar) as firm_name,
        cast(legal_rep as varchar) as legal_rep,
        cast(phone as varchar) as phone,
        cast(zip_code as varchar) as zip_code,
        cast(city_code as varchar) as city_code,
        cast(industry_code as varchar) as industry_code,
        cast(year_established as integer) as year_established,
        cast(employment as bigint) as employment,
        cast(output as double) as output,
        cast(sales as double) as sales,
        cast(export_delivery as double) as export_delivery,
        cast(intermediate_inputs as double) as intermediate_inputs,
        cast(fixed_assets as double) as fixed_assets,
        cast(total_assets as double) as total_assets,
        cast(paid_in_capital as double) as paid_in_capital,
        cast(state_capital as double) as state_capital,
        cast(foreign_capital as double) as foreign_capital,
        cast(hmt_capital as double) as hmt_capital,
        cast(wage_bill as double) as wage_bill,
        cast(rd_expenditure as double) as rd_expenditure,
        cast(subsidy as double) as subsidy
    from source_rows
)

select
    *,
    {{ normalise_name('firm_name') }} as name_norm,
    {{ normalise_name('legal_rep') }} as legal_rep_norm,
    {{ phone_key('phone') }} as phone_key,
    {{ zip_key('zip_code') }} as zip_key,
    left(city_code, 4) || '00' as prefecture_code,
    left(industry_code, 2) as industry_code_2
from typed
