{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- Technological complementarity of each city, 2-digit industry and sample
    year (METHOD §4, the paper's Eq. 2; CONTRACT marts.fct_city_industry_complementarity):

        C_jkt = sum_{J != j} w_Jkt * Cra_jJkt

    - w_Jkt = Patent_Jkt / D: D the national total of k in t, j included
      (var weight_denominator = 'national'), or the partners' total, j
      excluded ('partners'; C = 0 when j has no partner).  The numerator
      sum_J Patent_Jkt * Cra_jJkt comes from int_city_weighted_cra, which
      sums over the partners without forming the pairs of int_city_pair_cra
      (a data test checks the two agree).
    - Cells: every (prefecture, industry) with a survey firm in t or with
      invention patents in t's window.  A cell without patents has C = 0,
      invention_patents = 0, no_patents_flag = true.
    - placebo_complementarity: C of the placebo industry
      (int_placebo_industries_selected) in the same city and year, 0 when
      that cell has no invention patents, NULL when k has no placebo.
    - Sample years only: the run years never include exclude_years. -#}
{%- if var('weight_denominator') not in ('national', 'partners') -%}
    {{ exceptions.raise_compiler_error("weight_denominator must be 'national' or 'partners', got " ~ var('weight_denominator')) }}
{%- endif %}

with survey_cells as (
    select distinct
        year,
        prefecture_code as city_code,
        industry_code_2 as industry_code
    from {{ ref('int_survey_prepared') }}
    where {{ in_run_years('year') }}
),

patent_cells as (
    select year, city_code, industry_code, invention_patents
    from {{ ref('int_city_industry_patent_counts') }}
    where {{ in_run_years('year') }}
        and invention_patents > 0
),

industry_totals as (
    select year, industry_code, {{ ordered_sum('invention_patents') }} as national_patents
    from patent_cells
    group by year, industry_code
),

weighted_pair_cra as (
    -- sum over partners J of Patent_Jkt * Cra_jJkt (computed without pairs)
    select year, industry_code, city_code, weighted_cra
    from {{ ref('int_city_weighted_cra') }}
    where {{ in_run_years('year') }}
),

cell_complementarity as (
    select
        patent_cells.year,
        patent_cells.city_code,
        patent_cells.industry_code,
        patent_cells.invention_patents,
        {%- if var('weight_denominator') == 'national' %}
        coalesce(weighted_pair_cra.weighted_cra, 0.0) / industry_totals.national_patents as complementarity
        {%- else %}
        case
            when industry_totals.national_patents - patent_cells.invention_patents > 0
                then coalesce(weighted_pair_cra.weighted_cra, 0.0)
                    / (industry_totals.national_patents - patent_cells.invention_patents)
            else 0.0
        end as complementarity
        {%- endif %}
    from patent_cells
    inner join industry_totals
        on patent_cells.year = industry_totals.year
        and patent_cells.industry_code = industry_totals.industry_code
    left join weighted_pair_cra
        on patent_cells.year = weighted_pair_cra.year
        and patent_cells.industry_code = weighted_pair_cra.industry_code
        and patent_cells.city_code = weighted_pair_cra.city_code
),

cells as (
    select year, city_code, industry_code from survey_cells
    union
    select year, city_code, industry_code from cell_complementarity
),

placebo_industries as (
    select industry_code, placebo_industry_code
    from {{ ref('int_placebo_industries_selected') }}
),

final as (
    select
        cells.city_code,
        cells.industry_code,
        cast(cells.year as integer) as year,
        coalesce(own.complementarity, 0.0) as complementarity,
        case
            when placebo_industries.placebo_industry_code is null then null
            else coalesce(placebo.complementarity, 0.0)
        end as placebo_complementarity,
        coalesce(own.invention_patents, 0.0) as invention_patents,
        own.city_code is null as no_patents_flag
    from cells
    left join cell_complementarity as own
        on cells.year = own.year
        and cells.city_code = own.city_code
        and cells.industry_code = own.industry_code
    left join placebo_industries
        on cells.industry_code = placebo_industries.industry_code
    left join cell_complementarity as placebo
        on cells.year = placebo.year
        and cells.city_code = placebo.city_code
        and placebo_industries.placebo_industry_code = placebo.industry_code
)

select * from final
