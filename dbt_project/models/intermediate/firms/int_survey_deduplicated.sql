{#- The survey after METHOD §0 steps 1 and 2 are decided, over every survey
    year of the raw root (analytics.synth.truth.preparation does the same in
    pandas):

    1. duplicates: of the rows sharing a (year, firm_id) the one with the
       largest sales stays (ties: the smallest firm name, then the smallest
       value of each further column in contract order, NULLs last);
       duplicate_rows counts the others, which leave the survey;
    2. sample filters (var survey_filters = 'standard'): filter_rule names
       the first rule the row fails, in this order (NULL when it passes, and
       always NULL under 'none'):
         employment      fewer than 8 employees;
         assets          total assets below current assets (NULL current
                         assets: not applied) or below fixed assets;
         paid_in_capital paid-in capital <= 0 (NULL: not applied);
         founding_year   established after the survey year or before 1949
                         (NULL: not applied);
         industry        2-digit industry outside manufacturing (13-43).
       Rows with a filter_rule leave the survey (int_survey_prepared) and so
       match no customs firm; they stay here for the quality counts.

    One row per (year, firm_id), every column of stg_raw__firm_survey. A
    table over all years: int_survey_prepared's firm means need them all. -#}
{%- set survey_filters = var_choice('survey_filters', ['standard', 'none']) %}
{#- the tie-break after sales and name: the other contract columns, in order -#}
{%- set tie_columns = [
    'legal_rep', 'phone', 'zip_code', 'city_code', 'industry_code', 'year_established', 'employment',
    'output', 'export_delivery', 'intermediate_inputs', 'fixed_assets', 'total_assets',
    'paid_in_capital', 'state_capital', 'foreign_capital', 'hmt_capital', 'wage_bill',
    'rd_expenditure', 'subsidy', 'current_assets', 'inventory', 'finished_goods', 'cost_of_sales',
    'welfare_payable', 'registration_type',
] %}

with survey_rows as (
    select * from {{ ref('stg_raw__firm_survey') }}
),

ranked_rows as (
    select
        *,
        count(*) over (partition by year, firm_id) - 1 as duplicate_rows,
        row_number() over (
            partition by year, firm_id
            order by
                sales desc nulls last,
                firm_name asc nulls last
                {%- for c in tie_columns %},
                {{ c }} asc nulls last
                {%- endfor %}
        ) as rank_in_key
    from survey_rows
),

deduplicated_rows as (
    select * exclude (rank_in_key)
    from ranked_rows
    where rank_in_key = 1
)

select
    *,
    {%- if survey_filters == 'standard' %}
    case
        when employment < 8 then 'employment'
        when total_assets < current_assets or total_assets < fixed_assets then 'assets'
        when paid_in_capital <= 0 then 'paid_in_capital'
        when year_established > year or year_established < 1949 then 'founding_year'
        when industry_code_2 not between '13' and '43' then 'industry'
    end as filter_rule
    {%- else %}
    cast(null as varchar) as filter_rule
    {%- endif %}
from deduplicated_rows
