{{ config(materialized='table') }}
{#- A table, not a view like the other staging models: its METHOD §2 keys
    come from the gvc_* functions only dbt's connections have (macros
    normalise_name / phone_key / zip_key), so every other reader gets them
    computed.  Rebuilt by every run that builds it (the per-year runs do). -#}

{#- Annual survey of industrial firms, typed (CONTRACT firm_survey), with the
    METHOD §2 match keys. One row per row of the raw files: a (year, firm_id)
    may repeat (METHOD §0 keeps one, int_survey_deduplicated). Money in
    thousand RMB. The contract's optional columns (for METHOD §0) are NULL
    when the files lack them. -#}
{%- set present = raw_columns('raw', 'firm_survey') %}

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
        cast(subsidy as double) as subsidy,
        {{ optional_column(present, 'current_assets', 'double') }},
        {{ optional_column(present, 'inventory', 'double') }},
        {{ optional_column(present, 'finished_goods', 'double') }},
        {{ optional_column(present, 'cost_of_sales', 'double') }},
        {{ optional_column(present, 'welfare_payable', 'double') }},
        {{ optional_column(present, 'registration_type', 'varchar') }}
    from source_rows
),

{#- each distinct value keyed once, then joined back: a firm's name recurs
    every year, a zip code in thousands of rows (a NULL value finds no key
    row and keeps a NULL key, as the functions give) -#}
name_keys as materialized (
    select name, {{ normalise_name('name') }} as name_norm
    from (select firm_name as name from typed union select legal_rep from typed)
    where name is not null
),

phone_keys as materialized (
    select phone, {{ phone_key('phone') }} as phone_key
    from (select distinct phone from typed where phone is not null)
),

zip_keys as materialized (
    select zip_code, {{ zip_key('zip_code') }} as zip_key
    from (select distinct zip_code from typed where zip_code is not null)
)

select
    typed.*,
    firm_names.name_norm,
    legal_reps.name_norm as legal_rep_norm,
    phone_keys.phone_key,
    zip_keys.zip_key,
    left(typed.city_code, 4) || '00' as prefecture_code,
    left(typed.industry_code, 2) as industry_code_2
from typed
left join name_keys as firm_names on typed.firm_name = firm_names.name
left join name_keys as legal_reps on typed.legal_rep = legal_reps.name
left join phone_keys on typed.phone = phone_keys.phone
left join zip_keys on typed.zip_code = zip_keys.zip_code
