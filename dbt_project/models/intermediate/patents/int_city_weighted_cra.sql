{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- The partner-weighted sum of pairwise complementarity (METHOD §4) of each
    city j with a technology vector, industry k and focal year t:

        weighted_cra_j = sum_{J != j} Patent_J * Cra_jJ

    the numerator of C_jkt, over the partners J with invention patents in t
    (Patent_J > 0) and a technology vector.

    WITHOUT PAIRS.  Cra_jJ = (Tg_j . Tg_J - Tm_j . Tm_J) / (||Tg_j|| ||Tg_J||)
    is linear in the partner's vectors scaled by 1 / ||Tg_J||, so the sum over
    partners moves inside the dot products:

        weighted_cra_j = (Tg_j . Ag_{-j} - Tm_j . Am_{-j}) / ||Tg_j||,
        Ag_{-j} = sum_{J != j} Patent_J Tg_J / ||Tg_J||  (Am_{-j} likewise with Tm_J)

    Each unit's total over all partners is summed once per (year, industry,
    unit), and each city's own term is taken out of it unit by unit
    (leave-one-out), so the work is the number of vector entries, not of city
    pairs (at paper scale 0.5 M entries against 18 M pairs).  A unit no
    other partner holds gets exactly 0 (its total is the city's own term, a
    sum of one value); a result below 0 can only be rounding (every Cra >= 0)
    and is set to 0.  int_city_pair_cra keeps the pairs themselves, and a data
    test checks that summing them gives this model's values. -#}

with vectors as (
    select year, industry_code, city_code, unit_level, unit, value
    from {{ ref('int_city_industry_tech_vectors') }}
    where {{ in_run_years('year') }}
),

coarse_norms as (
    -- ||Tg_j||
    select year, industry_code, city_code, sqrt({{ ordered_sum('value * value') }}) as g_norm
    from vectors
    where unit_level = 'g'
    group by all
),

partner_scales as (
    -- Patent_J / ||Tg_J|| of every possible partner: invention patents in t and a vector
    select
        coarse_norms.year,
        coarse_norms.industry_code,
        coarse_norms.city_code,
        patent_counts.invention_patents / coarse_norms.g_norm as scale
    from coarse_norms
    inner join {{ ref('int_city_industry_patent_counts') }} as patent_counts
        on coarse_norms.year = patent_counts.year
        and coarse_norms.industry_code = patent_counts.industry_code
        and coarse_norms.city_code = patent_counts.city_code
    where patent_counts.invention_patents > 0
),

partner_entries as (
    -- Patent_J Tg_J / ||Tg_J|| and Patent_J Tm_J / ||Tg_J||, entry by entry
    select
        vectors.year,
        vectors.industry_code,
        vectors.city_code,
        vectors.unit_level,
        vectors.unit,
        partner_scales.scale * vectors.value as scaled_value
    from vectors
    inner join partner_scales
        on vectors.year = partner_scales.year
        and vectors.industry_code = partner_scales.industry_code
        and vectors.city_code = partner_scales.city_code
),

unit_totals as (
    -- Ag and Am over every partner, the focal city included
    select year, industry_code, unit_level, unit, {{ ordered_sum('scaled_value') }} as total
    from partner_entries
    group by all
),

leave_one_out as (
    -- each of j's entries beside the unit's total over the partners other than j
    select
        vectors.year,
        vectors.industry_code,
        vectors.city_code,
        vectors.unit_level,
        vectors.value,
        unit_totals.total - coalesce(own.scaled_value, 0.0) as others_total
    from vectors
    inner join unit_totals
        on vectors.year = unit_totals.year
        and vectors.industry_code = unit_totals.industry_code
        and vectors.unit_level = unit_totals.unit_level
        and vectors.unit = unit_totals.unit
    left join partner_entries as own
        on vectors.year = own.year
        and vectors.industry_code = own.industry_code
        and vectors.city_code = own.city_code
        and vectors.unit_level = own.unit_level
        and vectors.unit = own.unit
),

dot_products as (
    -- Tg_j . Ag_{-j} and Tm_j . Am_{-j}
    select
        year,
        industry_code,
        city_code,
        {{ ordered_sum('value * others_total') }} filter (where unit_level = 'g') as g_dot,
        coalesce({{ ordered_sum('value * others_total') }} filter (where unit_level = 'm'), 0.0) as m_dot
    from leave_one_out
    group by all
),

final as (
    select
        coarse_norms.year,
        coarse_norms.industry_code,
        coarse_norms.city_code,
        coarse_norms.g_norm,
        greatest(coalesce(dot_products.g_dot, 0.0) - coalesce(dot_products.m_dot, 0.0), 0.0)
            / coarse_norms.g_norm as weighted_cra
    from coarse_norms
    left join dot_products
        on coarse_norms.year = dot_products.year
        and coarse_norms.industry_code = dot_products.industry_code
        and coarse_norms.city_code = dot_products.city_code
)

select * from final
