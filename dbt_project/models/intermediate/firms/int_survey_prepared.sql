{#- The survey as every later step reads it (METHOD §0 steps 1-3): the rows
    of int_survey_deduplicated that pass the sample filters, with
    intermediate inputs by the accounting identity where the survey lacks
    them (var impute_intermediate_inputs = 'accounting'; the pandas twin is
    analytics.synth.truth.preparation):

        M = inventory - finished_goods + cost_of_sales - wage_bill - welfare_payable

    where intermediate_inputs is NULL. A NULL wage_bill or welfare_payable is
    the firm's mean over its other years (same firm_id, rows kept here),
    then 0; a NULL inventory, finished_goods or cost_of_sales, or a result
    <= 0, leaves M NULL. intermediate_inputs_imputed says which rows got M
    this way. Under 'none' M stays as reported.

    The means need every survey year, so this is a table rebuilt whole by
    every run that builds it (a one-year run too): a year's M may change
    when another year's wages do.

    One row per (year, firm_id), the columns of stg_raw__firm_survey. -#}
{%- set impute = var_choice('impute_intermediate_inputs', ['accounting', 'none']) %}

with kept_rows as (
    select * exclude (duplicate_rows, filter_rule)
    from {{ ref('int_survey_deduplicated') }}
    where filter_rule is null
)
{%- if impute == 'accounting' %},

firm_payment_means as (
    -- a row whose own value is NULL adds nothing, so the firm's mean is its
    -- other years' mean (summed in value order: the same bits every run)
    select
        firm_id,
        {{ ordered_sum('wage_bill') }} / count(wage_bill) as mean_wage_bill,
        {{ ordered_sum('welfare_payable') }} / count(welfare_payable) as mean_welfare_payable
    from kept_rows
    group by firm_id
),

accounting_identity as (
    select
        kept_rows.*,
        kept_rows.inventory
            - kept_rows.finished_goods
            + kept_rows.cost_of_sales
            - coalesce(kept_rows.wage_bill, firm_payment_means.mean_wage_bill, 0.0)
            - coalesce(kept_rows.welfare_payable, firm_payment_means.mean_welfare_payable, 0.0)
            as accounting_inputs
    from kept_rows
    left join firm_payment_means
        on kept_rows.firm_id = firm_payment_means.firm_id
)

select
    * exclude (accounting_inputs) replace (
        coalesce(intermediate_inputs, case when accounting_inputs > 0 then accounting_inputs end) as intermediate_inputs
    ),
    coalesce(intermediate_inputs is null and accounting_inputs > 0, false) as intermediate_inputs_imputed
from accounting_identity
{%- else %}

select
    *,
    false as intermediate_inputs_imputed
from kept_rows
{%- endif %}
