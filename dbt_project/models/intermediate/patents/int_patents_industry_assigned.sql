{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- The 2-digit industry of each located invention patent with an IPC code
    (METHOD §4), one row per (application, industry); `year` is the
    application year.

    1. Survey name match (weight 1): the normalised first applicant equals a
       survey firm's normalised name in survey year s; the nearest s to the
       application year wins, ties to the earlier year; several firms with the
       name in s: the lowest firm_id.  Every survey year counts (excluded and
       pre-sample years too), whatever years the run builds.
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

survey_name_industries as (
    -- per (normalised name, survey year): the industry of the lowest firm_id
    select
        name_norm,
        year as survey_year,
        arg_min(industry_code_2, firm_id) as industry_code
    from {{ ref('stg_raw__firm_survey') }}
    where name_norm is not null
    group by name_norm, year
),

name_candidates as (
    select
        located_patents.application_id,
        survey_name_industries.industry_code,
        row_number() over (
            partition by located_patents.application_id
            order by
                abs(survey_name_industries.survey_year - located_patents.year),
                survey_name_industries.survey_year
        ) as nearness_rank
    from located_patents
    inner join survey_name_industries
        on located_patents.applicant_name_norm = survey_name_industries.name_norm
),

industries_by_name as (
    select
        application_id,
        industry_code,
        1.0 as industry_weight,
        'name' as assignment_source
    from name_candidates
    where nearness_rank = 1
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
