{#- Product and market measures of each matched exporter-year from its
    HS1996 export lines (pnl_firm_export_lines; METHOD §6 Table 5 (4) and
    Table 11):

        n_products     = #distinct HS1996 products h (linked codes only)
        n_destinations = #distinct partner countries
        upstreamness   = sum_h X_h U_k(h) / sum_h X_h      (h with a U)

    X_h the line's export value (USD), k(h) the 2-digit industry of h
    (reference/hs_industry), U = reference hs_industry.upstreamness where
    given, else analytics.industry_upstreamness of (k(h), t) (Antras et al.
    2012, computed by the production assets). NULL when no line has a U.
    One row per (panel_firm_id, year) with export lines. -#}
with export_lines as (
    select panel_firm_id, year, hs6_1996, partner_country, value_usd
    from {{ ref('pnl_firm_export_lines') }}
),

product_upstreamness as (
    select
        export_lines.panel_firm_id,
        export_lines.year,
        export_lines.value_usd,
        coalesce(hs_industry.upstreamness, industry_upstreamness.upstreamness) as upstreamness
    from export_lines
    left join {{ ref('stg_reference__hs_industry') }} as hs_industry
        on export_lines.hs6_1996 = hs_industry.hs6_1996
    left join {{ source('analytics', 'industry_upstreamness') }} as industry_upstreamness
        on hs_industry.industry_code = industry_upstreamness.industry_code
        and export_lines.year = industry_upstreamness.year
),

weighted_upstreamness as (
    select
        panel_firm_id,
        year,
        {{ ordered_sum('value_usd * upstreamness') }} filter (where upstreamness is not null)
            / nullif({{ ordered_sum('value_usd') }} filter (where upstreamness is not null), 0) as upstreamness
    from product_upstreamness
    group by panel_firm_id, year
),

product_counts as (
    select
        panel_firm_id,
        year,
        count(distinct hs6_1996) as n_products,
        count(distinct partner_country) as n_destinations
    from export_lines
    group by panel_firm_id, year
)

select
    product_counts.panel_firm_id,
    product_counts.year,
    product_counts.n_products,
    product_counts.n_destinations,
    weighted_upstreamness.upstreamness
from product_counts
left join weighted_upstreamness
    on product_counts.panel_firm_id = weighted_upstreamness.panel_firm_id
    and product_counts.year = weighted_upstreamness.year
