{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- METHOD §4 quality counts of each run (sample) year, by application year;
    unioned into marts.fct_data_quality.  One row per (year, check), also
    when the count is 0:

    - patents_without_ipc: invention applications without any IPC symbol
      (no technology vector: left out);
    - patents_city_not_in_reference: invention applications with an IPC code
      whose prefecture (first 4 digits + '00') is missing from
      reference/cities (kept in the measure);
    - patents_without_industry: invention applications with an IPC code that
      neither the survey name match nor reference/ipc_industry gives an
      industry (left out).

    share = count / invention applications of the year (NULL without any);
    example = the smallest application_id concerned, with its city code or
    main subclass.  These are the `counts` of the Python truth's
    patent_flows(). -#}
{%- set check_names = ['patents_without_ipc', 'patents_city_not_in_reference', 'patents_without_industry'] %}

with invention_patents as (
    select application_id, year, city_code, main_subclass, has_ipc, city_in_reference
    from {{ ref('int_patents_located') }}
    where {{ in_run_years('year') }}
),

assigned_patents as (
    select distinct application_id
    from {{ ref('int_patents_industry_assigned') }}
    where {{ in_run_years('year') }}
),

run_year_totals as (
    select
        run_years.year,
        count(invention_patents.application_id) as invention_patents
    from (select unnest([{{ run_years() | join(', ') }}]) as year) as run_years
    left join invention_patents
        on run_years.year = invention_patents.year
    group by run_years.year
),

flagged_patents as (
    select
        invention_patents.application_id,
        invention_patents.year,
        'patents_without_ipc' as check_name,
        invention_patents.application_id as example
    from invention_patents
    where not invention_patents.has_ipc

    union all

    select
        invention_patents.application_id,
        invention_patents.year,
        'patents_city_not_in_reference' as check_name,
        invention_patents.application_id || ' (city ' || invention_patents.city_code || ')' as example
    from invention_patents
    where invention_patents.has_ipc
        and not invention_patents.city_in_reference

    union all

    select
        invention_patents.application_id,
        invention_patents.year,
        'patents_without_industry' as check_name,
        invention_patents.application_id || ' (main subclass ' || invention_patents.main_subclass || ')' as example
    from invention_patents
    left join assigned_patents
        on invention_patents.application_id = assigned_patents.application_id
    where invention_patents.has_ipc
        and assigned_patents.application_id is null
),

check_counts as (
    select
        year,
        check_name,
        count(*) as flagged,
        arg_min(example, application_id) as example
    from flagged_patents
    group by year, check_name
),

year_checks as (
    select
        year,
        unnest({{ string_list(check_names) }}) as check_name,
        invention_patents
    from run_year_totals
)

select
    cast(year_checks.year as integer) as year,
    cast(year_checks.check_name as varchar) as "check",
    cast(coalesce(check_counts.flagged, 0) as bigint) as count,
    cast(coalesce(check_counts.flagged, 0) as double) / nullif(year_checks.invention_patents, 0) as share,
    cast(check_counts.example as varchar) as example
from year_checks
left join check_counts
    on year_checks.year = check_counts.year
    and year_checks.check_name = check_counts.check_name
