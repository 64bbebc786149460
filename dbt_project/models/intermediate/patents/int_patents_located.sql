{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- Invention applications located at their applicant's prefecture city
    (METHOD §4), one row per application; `year` is the application year.

    Built for the application years the run's windows need: t-n+1..t for each
    run year t (n = var patent_window_years; excluded years included), so a
    windowed model downstream finds every year it sums.  A prefecture missing
    from reference/cities (e.g. province-administered county-level cities
    4290xx) is kept and flagged for the quality counts. -#}
{%- set application_years = window_application_years() %}

with invention_patents as (
    select
        application_id,
        year,
        applicant_name_norm,
        applicant_city_code,
        ipc_list,
        n_ipc,
        main_subclass
    from {{ ref('stg_raw__patents') }}
    where patent_type = 'invention'
        and year in ({{ application_years | sort | join(', ') }})
),

reference_cities as (
    select distinct city_code
    from {{ ref('stg_reference__cities') }}
),

located as (
    select
        application_id,
        year,
        applicant_name_norm,
        applicant_city_code,
        left(applicant_city_code, 4) || '00' as city_code,
        ipc_list,
        n_ipc,
        main_subclass,
        n_ipc > 0 as has_ipc
    from invention_patents
)

select
    located.*,
    reference_cities.city_code is not null as city_in_reference
from located
left join reference_cities
    on located.city_code = reference_cities.city_code
