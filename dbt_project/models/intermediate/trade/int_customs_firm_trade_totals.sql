{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{%- set adjust = var_flag('indirect_import_adjustment') %}

{#- Per customs firm and run year, the trade terms of METHOD §3 (USD):

    - exports_processing_usd (Y1), exports_ordinary_usd (Y2): exports under
      the processing / ordinary regime classes, summed as declared;
    - imports_processing_usd (IMP1): processing imports (HS1996 values);
    - imports_ordinary_usd (IMPo) and capital_imports_ordinary_usd (Ko, end
      use `capital`): ordinary imports, each line of h divided by
      (1 - s_h) first when var indirect_import_adjustment is on
      (s_h = 0 for a NULL or unknown h);
    - exports_usd_all_regimes, imports_usd_all_regimes: raw totals, every
      regime (`other` and capital equipment included).

    Every customs firm of the year, intermediaries included (the marts drop
    them). One row per (year, customs_firm_id). -#}
with regimes as (
    select trade_regime, regime_class
    from {{ ref('stg_reference__trade_regimes') }}
),

export_lines as (
    select
        customs.year,
        customs.customs_firm_id,
        coalesce(regimes.regime_class, 'other') as regime_class,
        customs.value_usd
    from {{ ref('int_customs_prepared') }} as customs
    left join regimes
        on trim(customs.trade_regime) = regimes.trade_regime
    where {{ in_run_years('customs.year') }}
        and customs.flow = 'export'
),

firm_exports as (
    select
        year,
        customs_firm_id,
        coalesce({{ ordered_sum('value_usd') }} filter (where regime_class = 'processing'), 0.0) as exports_processing_usd,
        coalesce({{ ordered_sum('value_usd') }} filter (where regime_class = 'ordinary'), 0.0) as exports_ordinary_usd,
        coalesce({{ ordered_sum('value_usd') }}, 0.0) as exports_usd_all_regimes
    from export_lines
    group by year, customs_firm_id
),

import_lines as (
    select
        harmonised.year,
        harmonised.customs_firm_id,
        harmonised.regime_class,
        harmonised.end_use,
        harmonised.value_usd,
        {%- if adjust %}
        case
            when harmonised.regime_class = 'ordinary' and harmonised.value_usd <> 0
                then harmonised.value_usd / (1.0 - coalesce(shares.s_h, 0.0))
            else harmonised.value_usd
        end as value_usd_adjusted
        {%- else %}
        harmonised.value_usd as value_usd_adjusted
        {%- endif %}
    from {{ ref('int_customs_harmonised') }} as harmonised
    left join {{ ref('int_indirect_import_shares') }} as shares
        on harmonised.year = shares.year
        and harmonised.hs6_1996 = shares.hs6_1996
    where {{ in_run_years('harmonised.year') }}
        and harmonised.flow = 'import'
),

firm_imports as (
    select
        year,
        customs_firm_id,
        coalesce({{ ordered_sum('value_usd') }} filter (where regime_class = 'processing'), 0.0) as imports_processing_usd,
        coalesce({{ ordered_sum('value_usd_adjusted') }} filter (where regime_class = 'ordinary'), 0.0) as imports_ordinary_usd,
        coalesce(
            {{ ordered_sum('value_usd_adjusted') }} filter (where regime_class = 'ordinary' and end_use = 'capital'), 0.0
        ) as capital_imports_ordinary_usd,
        coalesce({{ ordered_sum('value_usd') }}, 0.0) as imports_usd_all_regimes
    from import_lines
    group by year, customs_firm_id
),

customs_firms as (
    select year, customs_firm_id
    from {{ ref('int_customs_firm_attributes') }}
    where {{ in_run_years('year') }}
)

select
    customs_firms.year,
    customs_firms.customs_firm_id,
    coalesce(firm_exports.exports_processing_usd, 0.0) as exports_processing_usd,
    coalesce(firm_exports.exports_ordinary_usd, 0.0) as exports_ordinary_usd,
    coalesce(firm_imports.imports_processing_usd, 0.0) as imports_processing_usd,
    coalesce(firm_imports.imports_ordinary_usd, 0.0) as imports_ordinary_usd,
    coalesce(firm_imports.capital_imports_ordinary_usd, 0.0) as capital_imports_ordinary_usd,
    coalesce(firm_exports.exports_usd_all_regimes, 0.0) as exports_usd_all_regimes,
    coalesce(firm_imports.imports_usd_all_regimes, 0.0) as imports_usd_all_regimes
from customs_firms
left join firm_exports
    on customs_firms.year = firm_exports.year
    and customs_firms.customs_firm_id = firm_exports.customs_firm_id
left join firm_imports
    on customs_firms.year = firm_imports.year
    and customs_firms.customs_firm_id = firm_imports.customs_firm_id
