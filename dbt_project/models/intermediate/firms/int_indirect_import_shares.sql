{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- s_h (METHOD §3): for each year and HS1996 code h, intermediaries' share of
    national imports of h = imports of h by intermediaries / imports of h by
    all customs firms (matched or not, every trade regime), in HS1996 values
    after splitting; 0 when the total is 0. Lines with a NULL hs6_1996 are
    not here (their s_h is 0). One row per (year, hs6_1996). -#}
with import_lines as (
    select
        harmonised.year,
        harmonised.hs6_1996,
        harmonised.value_usd,
        intermediaries.customs_firm_id is not null as by_intermediary
    from {{ ref('int_customs_harmonised') }} as harmonised
    left join {{ ref('int_intermediaries') }} as intermediaries
        on harmonised.year = intermediaries.year
        and harmonised.customs_firm_id = intermediaries.customs_firm_id
    where {{ in_run_years('harmonised.year') }}
        and harmonised.flow = 'import'
        and harmonised.hs6_1996 is not null
),

code_totals as (
    select
        year,
        hs6_1996,
        {{ ordered_sum('value_usd') }} as imports_usd,
        coalesce({{ ordered_sum('value_usd') }} filter (where by_intermediary), 0.0) as intermediary_imports_usd
    from import_lines
    group by year, hs6_1996
)

select
    year,
    hs6_1996,
    imports_usd,
    intermediary_imports_usd,
    case when imports_usd > 0 then intermediary_imports_usd / imports_usd else 0.0 end as s_h
from code_totals
