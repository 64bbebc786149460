{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- Technology vectors Tg (unit_level 'g') and Tm ('m') of each city,
    industry and focal sample year t (METHOD §4): the industry-weighted unit
    entries of the invention patents applied for in t-n+1..t
    (n = var patent_window_years; flows of excluded years included; n = 1 is
    the flows of year t).  One row per (year, city, industry, level, unit). -#}
{%- set window_rows = focal_window_rows() -%}
{%- set application_years = window_application_years() %}

with focal_windows as (
    -- (focal year t, application year in t-n+1..t)
    select *
    from (values {{ window_rows }}) as windows (year, application_year)
),

unit_flows as (
    select
        year as application_year,
        city_code,
        industry_code,
        unit_level,
        unit,
        {{ ordered_sum('value') }} as value
    from {{ ref('int_patent_technology_units') }}
    where year in ({{ application_years | sort | join(', ') }})
    group by all
),

window_sums as (
    select
        focal_windows.year,
        unit_flows.city_code,
        unit_flows.industry_code,
        unit_flows.unit_level,
        unit_flows.unit,
        {{ ordered_sum('unit_flows.value') }} as value
    from focal_windows
    inner join unit_flows
        on focal_windows.application_year = unit_flows.application_year
    group by all
)

select * from window_sums
