{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- The 2-digit industry of each located invention patent with an IPC code
    (METHOD §4), one row per (application, industry); `year` is the
    application year.

    1. Survey name match (weight 1; macro survey_name_match): the industry of
       the survey firm carrying the normalised first applicant's name in the
       same or the nearest survey year s (ties to the earlier year; several
       firms with the name in s: the lowest firm_id).  Every survey year
       counts (excluded and pre-sample years too), whatever years the run
       builds.
    2. Otherwise reference/ipc_industry on the main code's subclass, the
       patent split over its rows by weight.
    3. Otherwise no row: the patent is left out (int_patents_quality_counts).
    A patent without any IPC code has no technology vector and is left out
    before this step (as the truth does). -#}
{%- set application_years = window_application_years() %}

with located_patents as (
    select
        application_id,
        year,
        city_code,
        applicant_name_norm,
        main_subclass
    from {{ ref('int_patents_located') }}
    where has_ipc
        and year in ({{ application_years | sort | join(', ') }})
),

name_matches as (
    select * from {{ survey_name_match('located_patents', firm_columns=['industry_code_2']) }}
),

industries_by_name as (
    select
        application_id,
        industry_code_2 as industry_code,
        1.0 as industry_weight,
        'name' as assignment_source
    from name_matches
),

ipc_concordance as (
    select ipc, industry_code, weight
    from {{ ref('stg_reference__ipc_industry') }}
),

industries_by_ipc as (
    select
        located_patents.application_id,
        ipc_concordance.industry_code,
        {{ ordered_sum('ipc_concordance.weight') }} as industry_weight,
        'ipc' as assignment_source
    from located_patents
    inner join ipc_concordance
        on located_patents.main_subclass = ipc_concordance.ipc
    where located_patents.application_id not in (select application_id from industries_by_name)
    group by located_patents.application_id, ipc_concordance.industry_code
),

assigned as (
    select * from industries_by_name
    union all
    select * from industries_by_ipc
)

select
    located_patents.application_id,
    located_patents.year,
    located_patents.city_code,
    assigned.industry_code,
    assigned.industry_weight,
    assigned.assignment_source
from assigned
inner join located_patents
    on assigned.application_id = located_patents.application_id
where assigned.industry_weight > 0
