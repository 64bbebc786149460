{#- Ownership shares of every prepared survey firm-year (METHOD §0 step 4;
    the pandas twin is analytics.synth.truth.preparation.ownership_shares).
    From the capital components where the row has them (paid-in capital > 0
    and state, foreign and Hong Kong/Macao/Taiwan capital all reported):

        state_share   = min(state capital / paid-in capital, 1)
        foreign_share = min((foreign + HMT capital) / paid-in capital, 1)

    The common versions of the survey lack the components in 2008-2010.
    Under var impute_ownership_shares = 'nearest_year' such a row takes
      1. the shares of the panel firm's (int_survey_panel_ids) nearest survey
         year with components (a tie: the earlier year);
      2. else its registration_type (3-digit NBS code): 110-151 state
         (state 1, foreign 0); 210-240 Hong Kong, Macao or Taiwan and 310-340
         foreign (state 0, foreign 1: HMT capital counts as foreign, as in
         the formula above; 210-240 is HMT and 310-340 foreign, which public
         scripts swap); any other code: 0 and 0;
      3. else NULL shares.
    Under 'none' the shares are the components' or NULL.
    ownership_source says which: 'components', 'nearest_year',
    'registration_type' or NULL; ownership_year is the survey year the
    shares come from (NULL unless from components or the nearest year).

    A table over all survey years (the nearest year may be any year).
    One row per (year, firm_id) of int_survey_prepared. -#}
{%- set impute = var_choice('impute_ownership_shares', ['nearest_year', 'none']) %}

with survey_rows as (
    select
        prepared.year,
        prepared.firm_id,
        panel_ids.panel_firm_id,
        prepared.registration_type,
        prepared.paid_in_capital > 0
            and prepared.state_capital is not null
            and prepared.foreign_capital is not null
            and prepared.hmt_capital is not null as has_components,
        least(prepared.state_capital / prepared.paid_in_capital, 1.0) as component_state_share,
        least((prepared.foreign_capital + prepared.hmt_capital) / prepared.paid_in_capital, 1.0)
            as component_foreign_share
    from {{ ref('int_survey_prepared') }} as prepared
    inner join {{ ref('int_survey_panel_ids') }} as panel_ids
        on prepared.firm_id = panel_ids.firm_id
),

component_rows as (
    select
        year,
        firm_id,
        component_state_share as state_share,
        component_foreign_share as foreign_share,
        'components' as ownership_source,
        year as ownership_year
    from survey_rows
    where has_components
),

rows_without_components as (
    select year, firm_id, panel_firm_id, registration_type
    from survey_rows
    where not coalesce(has_components, false)
)
{%- if impute == 'nearest_year' %},

nearest_year_rows as (
    select
        missing.year,
        missing.firm_id,
        donors.component_state_share as state_share,
        donors.component_foreign_share as foreign_share,
        'nearest_year' as ownership_source,
        donors.year as ownership_year
    from rows_without_components as missing
    inner join survey_rows as donors
        on missing.panel_firm_id = donors.panel_firm_id
        and donors.has_components
    qualify row_number() over (
        partition by missing.year, missing.firm_id
        order by abs(donors.year - missing.year), donors.year
    ) = 1
),

registration_type_rows as (
    select
        missing.year,
        missing.firm_id,
        case when try_cast(missing.registration_type as integer) between 110 and 151 then 1.0 else 0.0 end
            as state_share,
        case
            when try_cast(missing.registration_type as integer) between 210 and 240 then 1.0
            when try_cast(missing.registration_type as integer) between 310 and 340 then 1.0
            else 0.0
        end as foreign_share,
        'registration_type' as ownership_source,
        cast(null as integer) as ownership_year
    from rows_without_components as missing
    anti join nearest_year_rows
        on missing.year = nearest_year_rows.year
        and missing.firm_id = nearest_year_rows.firm_id
    where missing.registration_type is not null
),

filled_rows as (
    select * from nearest_year_rows
    union all
    select * from registration_type_rows
)
{%- else %},

filled_rows as (
    select * from component_rows where false
)
{%- endif %},

unfilled_rows as (
    select
        year,
        firm_id,
        cast(null as double) as state_share,
        cast(null as double) as foreign_share,
        cast(null as varchar) as ownership_source,
        cast(null as integer) as ownership_year
    from rows_without_components
    anti join filled_rows
        on rows_without_components.year = filled_rows.year
        and rows_without_components.firm_id = filled_rows.firm_id
)

select
    cast(year as integer) as year,
    firm_id,
    state_share,
    foreign_share,
    ownership_source,
    cast(ownership_year as integer) as ownership_year
from (
    select * from component_rows
    union all
    select * from filled_rows
    union all
    select * from unfilled_rows
) as ownership_rows
