{#- Real output, intermediate inputs and capital of every prepared survey
    firm-year (METHOD §0 step 5, REALDATA §4.5; the pandas twin is
    analytics.synth.truth.real_values):

        real_output, real_sales    = output, sales / output_deflator
        real_intermediate_inputs   = intermediate_inputs / input_deflator

    by the row's 2-digit industry and year (stg_reference__deflators), and
    real capital by the perpetual inventory method over the panel firm's
    survey years (int_survey_panel_ids), d = var depreciation (0.1):

        K_first = fixed_assets_first / P_first            (the first year's real book value)
        K_t     = (1 - d)^(t - t_prev) K_prev + I_t / P_t
        I_t     = max(fixed_assets_t - fixed_assets_prev, 0)

    P the investment deflator of the year (stg_reference__investment_deflator),
    t_prev the panel firm's previous survey year. A gap does not restart the
    stock: it depreciates over every calendar year of the gap, and the
    book-value change across the gap is the investment of the year after it.
    Unrolled, the recursion is a cumulative sum over the firm's years, with
    n = t - first year:

        K_t = (1 - d)^n_t * sum_{s <= t} (1 - d)^(-n_s) J_s,
        J_s = fixed_assets_first / P_first (first year), I_s / P_s (later)

    so it is a window sum, not a loop. Missing prices: a row whose
    industry-year has no deflator gets NULL real output, sales and inputs
    (deflator_missing); a row whose year, or any earlier year of its panel
    firm, has no investment deflator gets NULL capital
    (investment_deflator_missing): its stock cannot be built. Without the
    price tables (both optional) every row is so: the production side then
    keeps nominal values (settings production_prices). Counted in
    int_survey_quality_counts.

    A table over all survey years (capital accumulates across them).
    One row per (year, firm_id) of int_survey_prepared. -#}
{%- set keep = 1 - var('depreciation') %}

with survey_rows as (
    select
        prepared.year,
        prepared.firm_id,
        panel_ids.panel_firm_id,
        prepared.industry_code_2 as industry_code,
        prepared.output,
        prepared.sales,
        prepared.intermediate_inputs,
        prepared.fixed_assets
    from {{ ref('int_survey_prepared') }} as prepared
    inner join {{ ref('int_survey_panel_ids') }} as panel_ids
        on prepared.firm_id = panel_ids.firm_id
),

priced_rows as (
    select
        survey_rows.*,
        deflators.output_deflator,
        deflators.input_deflator,
        investment.deflator as investment_deflator,
        lag(survey_rows.fixed_assets) over firm_years as previous_fixed_assets,
        min(survey_rows.year) over (partition by survey_rows.panel_firm_id) as first_year,
        -- years of the firm up to this one without an investment deflator
        sum(case when investment.deflator is null then 1 else 0 end) over firm_years_so_far
            as investment_deflators_missing
    from survey_rows
    left join {{ ref('stg_reference__deflators') }} as deflators
        on survey_rows.industry_code = deflators.industry_code
        and survey_rows.year = deflators.year
    left join {{ ref('stg_reference__investment_deflator') }} as investment
        on survey_rows.year = investment.year
    window
        firm_years as (partition by survey_rows.panel_firm_id order by survey_rows.year),
        firm_years_so_far as (partition by survey_rows.panel_firm_id order by survey_rows.year
                              rows between unbounded preceding and current row)
),

real_additions as (
    select
        *,
        case
            when previous_fixed_assets is null then fixed_assets
            else greatest(fixed_assets - previous_fixed_assets, 0.0)
        end as nominal_investment,
        -- J_s (1 - d)^(-n_s): the real addition discounted to the firm's first year
        case
            when previous_fixed_assets is null then fixed_assets
            else greatest(fixed_assets - previous_fixed_assets, 0.0)
        end / investment_deflator * power({{ keep }}, -(year - first_year)) as discounted_addition
    from priced_rows
),

capital_rows as (
    select
        *,
        sum(discounted_addition) over (partition by panel_firm_id order by year
                                       rows between unbounded preceding and current row)
            * power({{ keep }}, year - first_year) as accumulated_capital
    from real_additions
)

select
    cast(year as integer) as year,
    firm_id,
    panel_firm_id,
    industry_code,
    output_deflator,
    input_deflator,
    investment_deflator,
    output / output_deflator as real_output,
    sales / output_deflator as real_sales,
    intermediate_inputs / input_deflator as real_intermediate_inputs,
    nominal_investment,
    case when investment_deflators_missing = 0 then nominal_investment / investment_deflator end
        as real_investment,
    case when investment_deflators_missing = 0 then accumulated_capital end as real_capital,
    output_deflator is null or input_deflator is null as deflator_missing,
    investment_deflators_missing > 0 as investment_deflator_missing
from capital_rows
