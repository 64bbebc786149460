{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- Technology-vector entries of each industry-assigned invention patent
    (METHOD §4), one row per (application, industry, level, unit); `year` is
    the application year.

    - unit_level 'g' (coarse, "major class") and 'm' (fine, "subclass") at
      var ipc_levels: section_class = (1, 3) characters of the symbol,
      class_subclass = (3, 4); both levels count the same codes, so every m
      unit lies in exactly one g unit.
    - var ipc_counting: 'main' counts only the main code (1); 'fractional'
      counts each of the patent's n codes 1/n.  Entries of one patent in the
      same unit add up.
    - value = that share times the patent's industry weight. -#}
{%- set unit_length = {'section': 1, 'class': 3, 'subclass': 4} -%}
{%- if var('ipc_levels') not in ('section_class', 'class_subclass') -%}
    {{ exceptions.raise_compiler_error("ipc_levels must be 'section_class' or 'class_subclass', got " ~ var('ipc_levels')) }}
{%- endif -%}
{%- if var('ipc_counting') not in ('main', 'fractional') -%}
    {{ exceptions.raise_compiler_error("ipc_counting must be 'main' or 'fractional', got " ~ var('ipc_counting')) }}
{%- endif -%}
{%- set g_level, m_level = var('ipc_levels').split('_') -%}
{%- set application_years = window_application_years() %}

with assigned_patents as (
    select application_id, year, city_code, industry_code, industry_weight
    from {{ ref('int_patents_industry_assigned') }}
    where year in ({{ application_years | sort | join(', ') }})
),

counted_codes as (
    select
        application_id,
        year,
        {%- if var('ipc_counting') == 'main' %}
        ipc_list[1:1] as codes
        {%- else %}
        ipc_list as codes
        {%- endif %}
    from {{ ref('int_patents_located') }}
    where has_ipc
        and year in ({{ application_years | sort | join(', ') }})
),

code_shares as (
    select
        application_id,
        year,
        unnest(codes) as ipc_code,
        1.0 / len(codes) as share
    from counted_codes
),

unit_shares as (
    select application_id, year, 'g' as unit_level, left(ipc_code, {{ unit_length[g_level] }}) as unit, {{ ordered_sum('share') }} as share
    from code_shares
    group by all
    union all
    select application_id, year, 'm' as unit_level, left(ipc_code, {{ unit_length[m_level] }}) as unit, {{ ordered_sum('share') }} as share
    from code_shares
    group by all
)

select
    assigned_patents.year,
    assigned_patents.application_id,
    assigned_patents.city_code,
    assigned_patents.industry_code,
    unit_shares.unit_level,
    unit_shares.unit,
    unit_shares.share * assigned_patents.industry_weight as value
from unit_shares
inner join assigned_patents
    on unit_shares.year = assigned_patents.year
    and unit_shares.application_id = assigned_patents.application_id
