{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- Pairwise technological complementarity (METHOD §4, the paper's Eq. 1) of
    two different cities j, J in the same industry k and focal year t:

        Cra_jJ = (Tg_j . Tg_J - Tm_j . Tm_J) / (||Tg_j|| * ||Tg_J||)

    SPARSITY.  Pairs are formed only by joining the city vectors with
    themselves on (year, industry, g unit): a pair appears only when j and J
    have a g unit in common, and never through a city x city cross join.  That
    loses nothing: a pair sharing no g unit has Tg_j . Tg_J = 0 and, since
    every m unit lies in one g unit and both levels count the same codes, also
    Tm_j . Tm_J = 0, so Cra = 0 and it adds nothing to C (int_city_pair_cra
    lists only pairs that share a g unit; absent pairs mean Cra = 0).  The m
    dot products are joined the same way on the m unit; their pairs are a
    subset of the g pairs, so a pair that shares a g unit but no m unit gets
    Tm_j . Tm_J = 0 through the left join.  The work is the number of
    (city, city, shared unit) triples per (industry, year), not cities^2.

    Both (j, J) and (J, j) rows are kept: C_j sums over the partners J. -#}

with coarse_vectors as (
    -- Tg entries (g unit: IPC section by default)
    select year, industry_code, city_code, unit, value
    from {{ ref('int_city_industry_tech_vectors') }}
    where unit_level = 'g'
        and {{ in_run_years('year') }}
),

fine_vectors as (
    -- Tm entries (m unit: IPC class by default)
    select year, industry_code, city_code, unit, value
    from {{ ref('int_city_industry_tech_vectors') }}
    where unit_level = 'm'
        and {{ in_run_years('year') }}
),

coarse_norms as (
    select year, industry_code, city_code, sqrt({{ ordered_sum('value * value') }}) as g_norm
    from coarse_vectors
    group by all
),

coarse_dot_products as (
    select
        focal.year,
        focal.industry_code,
        focal.city_code,
        partner.city_code as partner_city_code,
        {{ ordered_sum('focal.value * partner.value') }} as g_dot
    from coarse_vectors as focal
    inner join coarse_vectors as partner
        on focal.year = partner.year
        and focal.industry_code = partner.industry_code
        and focal.unit = partner.unit
        and focal.city_code <> partner.city_code
    group by all
),

fine_dot_products as (
    select
        focal.year,
        focal.industry_code,
        focal.city_code,
        partner.city_code as partner_city_code,
        {{ ordered_sum('focal.value * partner.value') }} as m_dot
    from fine_vectors as focal
    inner join fine_vectors as partner
        on focal.year = partner.year
        and focal.industry_code = partner.industry_code
        and focal.unit = partner.unit
        and focal.city_code <> partner.city_code
    group by all
),

pair_cra as (
    select
        coarse_dot_products.year,
        coarse_dot_products.industry_code,
        coarse_dot_products.city_code,
        coarse_dot_products.partner_city_code,
        coarse_dot_products.g_dot,
        coalesce(fine_dot_products.m_dot, 0.0) as m_dot,
        focal_norms.g_norm,
        partner_norms.g_norm as partner_g_norm,
        (coarse_dot_products.g_dot - coalesce(fine_dot_products.m_dot, 0.0))
            / (focal_norms.g_norm * partner_norms.g_norm) as cra
    from coarse_dot_products
    left join fine_dot_products
        on coarse_dot_products.year = fine_dot_products.year
        and coarse_dot_products.industry_code = fine_dot_products.industry_code
        and coarse_dot_products.city_code = fine_dot_products.city_code
        and coarse_dot_products.partner_city_code = fine_dot_products.partner_city_code
    inner join coarse_norms as focal_norms
        on coarse_dot_products.year = focal_norms.year
        and coarse_dot_products.industry_code = focal_norms.industry_code
        and coarse_dot_products.city_code = focal_norms.city_code
    inner join coarse_norms as partner_norms
        on coarse_dot_products.year = partner_norms.year
        and coarse_dot_products.industry_code = partner_norms.industry_code
        and coarse_dot_products.partner_city_code = partner_norms.city_code
)

select * from pair_cra
