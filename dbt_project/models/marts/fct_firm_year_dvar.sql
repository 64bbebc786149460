{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{%- set foreign_content_share = var('foreign_content_share') | float %}

{#- Export DVAR per firm-year (METHOD §3, the paper's Eq. 3; Kee & Tang 2016),
    equal to analytics.synth.truth.dvar.firm_year_dvar.

    Rows: customs firms matched to a year-t survey row (int_customs_survey_matches),
    not intermediaries, with Y = Y1 + Y2 > 0. S (sales) and M (intermediate
    inputs, by METHOD §0's accounting identity where the survey lacks them:
    intermediate_inputs_imputed) are the prepared survey's thousand RMB in
    USD at that year's rate (x * 1000 / cny_per_usd). With fc = var
    foreign_content_share:

        IMP2 = IMPo * (Y2/S), dK2 = Ko * (Y2/S)                 (S > 0)
        dFr  = fc * max(M - (IMP1 + IMPo - Ko), 0) * (Yr/S)      (S > 0, M not null)
        DVAR = (Y1/Y)(1 - (IMP1 + dF1)/Y1) + (Y2/Y)(1 - (IMP2 - dK2 + dF2)/Y2)

    a term whose regime has no exports drops out; DVAR is NULL unless S > 0
    and M is not null. The value is kept unclipped (var dvar_out_of_range acts
    on the panel); dvar_in_range flags [0, 1]. -#}
with matched_firms as (
    select matches.year, matches.customs_firm_id, matches.firm_id, matches.match_step
    from {{ ref('int_customs_survey_matches') }} as matches
    anti join {{ ref('int_intermediaries') }} as intermediaries
        on matches.year = intermediaries.year
        and matches.customs_firm_id = intermediaries.customs_firm_id
    where {{ in_run_years('matches.year') }}
),

exporter_trade as (
    select
        matched_firms.*,
        totals.exports_processing_usd as y1,
        totals.exports_ordinary_usd as y2,
        totals.exports_processing_usd + totals.exports_ordinary_usd as y,
        totals.imports_processing_usd as imp1,
        totals.imports_ordinary_usd as imp_o,
        totals.capital_imports_ordinary_usd as k_o
    from matched_firms
    inner join {{ ref('int_customs_firm_trade_totals') }} as totals
        on matched_firms.year = totals.year
        and matched_firms.customs_firm_id = totals.customs_firm_id
    where totals.exports_processing_usd + totals.exports_ordinary_usd > 0
),

survey_in_usd as (
    select
        survey.year,
        survey.firm_id,
        survey.sales * 1000.0 / rates.cny_per_usd as s,
        survey.intermediate_inputs * 1000.0 / rates.cny_per_usd as m,
        survey.intermediate_inputs_imputed
    from {{ ref('int_survey_prepared') }} as survey
    left join {{ ref('stg_reference__exchange_rates') }} as rates
        on survey.year = rates.year
    where {{ in_run_years('survey.year') }}
),

scaled_terms as (
    select
        exporter_trade.*,
        survey_in_usd.s,
        survey_in_usd.m,
        survey_in_usd.intermediate_inputs_imputed,
        case when survey_in_usd.s > 0 then survey_in_usd.s end as s_positive
    from exporter_trade
    inner join survey_in_usd
        on exporter_trade.year = survey_in_usd.year
        and exporter_trade.firm_id = survey_in_usd.firm_id
),

dvar_terms as (
    select
        *,
        imp_o * (y2 / s_positive) as imp2,
        k_o * (y2 / s_positive) as dk2,
        case
            when m is not null then greatest(m - (imp1 + imp_o - k_o), 0.0)
        end as domestic_inputs
    from scaled_terms
),

foreign_content as (
    select
        *,
        cast({{ foreign_content_share }} as double) * domestic_inputs * (y1 / s_positive) as df1,
        cast({{ foreign_content_share }} as double) * domestic_inputs * (y2 / s_positive) as df2
    from dvar_terms
),

firm_year_dvar as (
    select
        *,
        case
            when s_positive is not null and m is not null and y > 0 then
                (case when y1 > 0 then (y1 / y) * (1.0 - (imp1 + df1) / y1) else 0.0 end)
                + (case when y2 > 0 then (y2 / y) * (1.0 - (imp2 - dk2 + df2) / y2) else 0.0 end)
        end as dvar
    from foreign_content
)

select
    panel_ids.panel_firm_id,
    firm_year_dvar.firm_id,
    cast(firm_year_dvar.year as integer) as year,
    firm_year_dvar.customs_firm_id,
    firm_year_dvar.match_step,
    firm_year_dvar.dvar,
    case when firm_year_dvar.dvar is not null then firm_year_dvar.dvar between 0 and 1 end as dvar_in_range,
    firm_year_dvar.y as exports_usd,
    firm_year_dvar.y1 as exports_processing_usd,
    firm_year_dvar.y2 as exports_ordinary_usd,
    firm_year_dvar.imp1 as imports_processing_usd,
    firm_year_dvar.imp2 as imports_ordinary_scaled_usd,
    firm_year_dvar.dk2 as capital_imports_scaled_usd,
    firm_year_dvar.df1 + firm_year_dvar.df2 as foreign_content_usd,
    case
        when firm_year_dvar.y2 = 0 then 'processing'
        when firm_year_dvar.y1 = 0 then 'ordinary'
        else 'mixed'
    end as trade_type,
    firm_year_dvar.intermediate_inputs_imputed
from firm_year_dvar
left join {{ ref('int_survey_panel_ids') }} as panel_ids
    on firm_year_dvar.firm_id = panel_ids.firm_id
