{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- Patent_jkt (METHOD §4): the industry-weighted count of invention patents
    of each city and industry in the window of focal sample year t
    (applications of t-n+1..t, n = var patent_window_years, flows of
    excluded years included).  Only cells with patents appear. -#}
{%- set window_rows = focal_window_rows() -%}
{%- set application_years = window_application_years() %}

with focal_windows as (
    -- (focal year t, application year in t-n+1..t)
    select *
    from (values {{ window_rows }}) as windows (year, application_year)
),

patent_flows as (
    select
        year as application_year,
        city_code,
        industry_code,
        {{ ordered_sum('industry_weight') }} as invention_patents
    from {{ ref('int_patents_industry_assigned') }}
    where year in ({{ application_years | sort | join(', ') }})
    group by all
),

window_sums as (
    select
        focal_windows.year,
        patent_flows.city_code,
        patent_flows.industry_code,
        {{ ordered_sum('patent_flows.invention_patents') }} as invention_patents
    from focal_windows
    inner join patent_flows
        on focal_windows.application_year = patent_flows.application_year
    group by all
)

select * from window_sums
where invention_patents > 0
