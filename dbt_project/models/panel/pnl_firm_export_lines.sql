{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- Export lines of the matched exporters, restated in HS1996 (METHOD §1) and
    summed per product and destination (panel inputs: KSW quality, the
    firm-year's products, destinations and upstreamness):

        value_usd = sum over the firm-year's export lines of (h, c) of value_usd * w
        quantity  = sum of quantity * w, NULL if any of those lines lacks a quantity

    with w the hs_concordance weight of the line's link to h (1 in HS1996
    years), exactly the split of int_customs_harmonised (which does not carry
    partner or quantity). Exports under every trade regime. A code without a
    concordance link is kept whole with hs6_1996 NULL (counted in
    fct_data_quality). Firm-years: the rows of fct_firm_year_dvar with a
    panel_firm_id (customs firm -> survey firm is one-to-one per year).
    Incremental by year, like the marts it reads: a year's lines need only
    that year's customs and matches (the panel ids change only when the
    survey does, which makes every year stale).
    One row per (panel_firm_id, year, hs6_1996, partner_country). -#}
with matched_exporters as (
    select year, customs_firm_id, panel_firm_id
    from {{ ref('fct_firm_year_dvar') }}
    where panel_firm_id is not null
        and {{ in_run_years('year') }}
),

export_lines as (
    select
        customs.year,
        customs.customs_firm_id,
        customs.partner_country,
        left(customs.hs_code, 6) as hs6,
        {{ hs_version('customs.year') }} as hs_version,
        customs.value_usd,
        customs.quantity
    from {{ ref('int_customs_prepared') }} as customs
    inner join matched_exporters
        on customs.year = matched_exporters.year
        and customs.customs_firm_id = matched_exporters.customs_firm_id
    where {{ in_run_years('customs.year') }}
        and customs.flow = 'export'
),

concordance_links as (
    select from_version, from_hs6, hs6_1996, weight
    from {{ ref('stg_reference__hs_concordance') }}
),

harmonised_lines as (
    select
        export_lines.year,
        export_lines.customs_firm_id,
        export_lines.partner_country,
        {{ hs6_1996_of('export_lines', 'concordance_links') }} as hs6_1996,
        {{ split_weight_of('export_lines', 'concordance_links') }} as split_weight,
        export_lines.value_usd,
        export_lines.quantity
    from export_lines
    left join concordance_links
        on {{ concordance_join('export_lines', 'concordance_links') }}
)

select
    matched_exporters.panel_firm_id,
    cast(harmonised_lines.year as integer) as year,
    harmonised_lines.hs6_1996,
    harmonised_lines.partner_country,
    {{ ordered_sum('harmonised_lines.value_usd * harmonised_lines.split_weight') }} as value_usd,
    case
        when count(harmonised_lines.quantity) = count(*)
            then {{ ordered_sum('harmonised_lines.quantity * harmonised_lines.split_weight') }}
    end as quantity
from harmonised_lines
inner join matched_exporters
    on harmonised_lines.year = matched_exporters.year
    and harmonised_lines.customs_firm_id = matched_exporters.customs_firm_id
group by all
