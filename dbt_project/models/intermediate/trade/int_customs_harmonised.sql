{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- Customs lines of the run years restated in HS1996 (METHOD §1), both flows.

    hs6 = first 6 digits of hs_code, the HS6 of the version in force that
    year (hs_version). In HS1996 years hs6_1996 = hs6. Otherwise each line
    joins its (from_version, from_hs6) links of reference/hs_concordance and
    becomes one row per link, value_usd multiplied by the link's weight; a
    code without a link is kept whole (split_weight 1) with hs6_1996 NULL,
    end use NULL and concordance_linked false (counted in fct_data_quality).
    regime_class from the trimmed trade-mode code (`other` when unmapped),
    end_use from int_hs_end_use. -#}
with customs_lines as (
    select
        year,
        month,
        customs_firm_id,
        flow,
        trade_regime,
        hs_code,
        left(hs_code, 6) as hs6,
        {{ hs_version('year') }} as hs_version,
        value_usd
    from {{ ref('int_customs_prepared') }}
    where {{ in_run_years('year') }}
),

concordance_links as (
    select from_version, from_hs6, hs6_1996, weight
    from {{ ref('stg_reference__hs_concordance') }}
),

harmonised_lines as (
    select
        customs_lines.*,
        {{ hs6_1996_of('customs_lines', 'concordance_links') }} as hs6_1996,
        {{ split_weight_of('customs_lines', 'concordance_links') }} as split_weight,
        customs_lines.hs_version = 'HS1996' or concordance_links.hs6_1996 is not null as concordance_linked
    from customs_lines
    left join concordance_links
        on {{ concordance_join('customs_lines', 'concordance_links') }}
)

select
    harmonised_lines.year,
    harmonised_lines.month,
    harmonised_lines.customs_firm_id,
    harmonised_lines.flow,
    harmonised_lines.trade_regime,
    coalesce(trade_regimes.regime_class, 'other') as regime_class,
    harmonised_lines.hs_code,
    harmonised_lines.hs6,
    harmonised_lines.hs_version,
    harmonised_lines.hs6_1996,
    harmonised_lines.concordance_linked,
    cast(harmonised_lines.split_weight as double) as split_weight,
    case
        when harmonised_lines.hs_version = 'HS1996' then harmonised_lines.value_usd
        else harmonised_lines.value_usd * harmonised_lines.split_weight
    end as value_usd,
    hs_end_use.end_use
from harmonised_lines
left join {{ ref('stg_reference__trade_regimes') }} as trade_regimes
    on trim(harmonised_lines.trade_regime) = trade_regimes.trade_regime
left join {{ ref('int_hs_end_use') }} as hs_end_use
    on harmonised_lines.hs6_1996 = hs_end_use.hs6_1996
