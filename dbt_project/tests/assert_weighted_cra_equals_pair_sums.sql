{{ config(meta={'dagster': {'ref': {'name': 'int_city_weighted_cra'}}}) }}

{#- METHOD §4: int_city_weighted_cra computes sum_{J != j} Patent_J * Cra_jJ
    without forming pairs; summing the pairs of int_city_pair_cra over the
    partners with invention patents must give the same value (to 1e-9 of
    its size, floating point). Fails with the cities where they differ, or
    where one of the two has a value the other lacks. -#}
with partner_patents as (
    select year, industry_code, city_code, invention_patents
    from {{ ref('int_city_industry_patent_counts') }}
    where invention_patents > 0
),

summed_pairs as (
    select
        pair_cra.year,
        pair_cra.industry_code,
        pair_cra.city_code,
        sum(pair_cra.cra * partner_patents.invention_patents) as weighted_cra
    from {{ ref('int_city_pair_cra') }} as pair_cra
    inner join partner_patents
        on pair_cra.year = partner_patents.year
        and pair_cra.industry_code = partner_patents.industry_code
        and pair_cra.partner_city_code = partner_patents.city_code
    group by all
),

compared as (
    select
        coalesce(weighted.year, summed_pairs.year) as year,
        coalesce(weighted.industry_code, summed_pairs.industry_code) as industry_code,
        coalesce(weighted.city_code, summed_pairs.city_code) as city_code,
        weighted.weighted_cra as without_pairs,
        summed_pairs.weighted_cra as from_pairs
    from {{ ref('int_city_weighted_cra') }} as weighted
    full outer join summed_pairs
        on weighted.year = summed_pairs.year
        and weighted.industry_code = summed_pairs.industry_code
        and weighted.city_code = summed_pairs.city_code
)

select *
from compared
where without_pairs is null
    or abs(without_pairs - coalesce(from_pairs, 0.0)) > 1e-9 * greatest(1.0, abs(without_pairs))
