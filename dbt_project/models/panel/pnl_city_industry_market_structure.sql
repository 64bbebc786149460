{#- Market measures of each (prefecture j, 2-digit industry k, survey year t)
    over every survey firm of the cell (METHOD §6 Tables 6 and 9):

        hhi_jkt = sum_i (S_i / sum_i' S_i')^2        firms i of (j, k, t), sales S
        other_regions_domestic_sales_jkt
                = ln( sum over firms of (k, t) outside j of (S_i - export_delivery_i) )

    hhi NULL when the cell's sales total is not positive; the log NULL when
    its argument is not positive (thousand RMB). Every survey year. One row
    per (city_code, industry_code, year) with a survey firm. -#}
with survey_firm_years as (
    select
        city_code,
        industry_code,
        year,
        sales,
        sales - coalesce(export_delivery, 0.0) as domestic_sales
    from {{ ref('pnl_survey_firm_years') }}
),

cell_totals as (
    select
        city_code,
        industry_code,
        year,
        {{ ordered_sum('sales') }} as cell_sales,
        {{ ordered_sum('domestic_sales') }} as cell_domestic_sales
    from survey_firm_years
    group by city_code, industry_code, year
),

industry_totals as (
    select industry_code, year, {{ ordered_sum('domestic_sales') }} as industry_domestic_sales
    from survey_firm_years
    group by industry_code, year
),

cell_concentration as (
    select
        survey_firm_years.city_code,
        survey_firm_years.industry_code,
        survey_firm_years.year,
        {{ ordered_sum('pow(survey_firm_years.sales / cell_totals.cell_sales, 2)') }} as hhi
    from survey_firm_years
    inner join cell_totals
        on survey_firm_years.city_code = cell_totals.city_code
        and survey_firm_years.industry_code = cell_totals.industry_code
        and survey_firm_years.year = cell_totals.year
    where cell_totals.cell_sales > 0
    group by all
)

select
    cell_totals.city_code,
    cell_totals.industry_code,
    cell_totals.year,
    cell_concentration.hhi,
    {{ ln_positive('industry_totals.industry_domestic_sales - cell_totals.cell_domestic_sales') }} as other_regions_domestic_sales
from cell_totals
inner join industry_totals
    on cell_totals.industry_code = industry_totals.industry_code
    and cell_totals.year = industry_totals.year
left join cell_concentration
    on cell_totals.city_code = cell_concentration.city_code
    and cell_totals.industry_code = cell_concentration.industry_code
    and cell_totals.year = cell_concentration.year
