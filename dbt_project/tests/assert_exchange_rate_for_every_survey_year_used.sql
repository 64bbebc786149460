{{ config(meta={'dagster': {'ref': {'name': 'fct_firm_year_dvar'}}}) }}

{#- METHOD §1: survey money is converted with that year's rate before any
    ratio mixes it with customs USD. Every year of fct_firm_year_dvar needs
    a rate in reference/exchange_rates (else S and M would be NULL and DVAR
    silently NULL). Fails with the years lacking a rate. -#}
select distinct dvar_rows.year
from {{ ref('fct_firm_year_dvar') }} as dvar_rows
anti join {{ ref('stg_reference__exchange_rates') }} as rates
    on dvar_rows.year = rates.year
