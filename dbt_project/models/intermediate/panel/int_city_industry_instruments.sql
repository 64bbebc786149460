{#- The instrument of METHOD §6 (§4.4 of the paper) per city j, 2-digit
    industry k and year t:

        policy_pkt = attitude + 1[provincial priority] + 1[national priority]
                     of the Five-Year Plan in force in t (9th 1996-2000,
                     10th 2001-2005, 11th 2006-2010, 12th 2011-2015),
                     p the province of j (first 2 digits of the city code)
        IV_jkt     = policy_pkt / mean_p(policy_pkt) * MA_jt

    mean_p over the provinces of reference/province_industry_policy with a
    row for (k, plan); MA_jt from int_city_market_access. Cells: every
    (city, industry) of reference/city_year x province_industry_policy with a
    score in t. One row per (city_code, industry_code, year). -#}
with policy_scores as (
    select
        province_code,
        industry_code,
        plan,
        attitude
            + case when provincial_priority then 1 else 0 end
            + case when national_priority then 1 else 0 end as policy_score
    from {{ ref('stg_reference__province_industry_policy') }}
),

plan_means as (
    select industry_code, plan, avg(policy_score) as policy_score_mean
    from policy_scores
    group by industry_code, plan
),

city_market_access as (
    select
        city_code,
        left(city_code, 2) as province_code,
        year,
        {{ five_year_plan('year') }} as plan,
        market_access
    from {{ ref('int_city_market_access') }}
)

select
    city_market_access.city_code,
    city_market_access.province_code,
    policy_scores.industry_code,
    city_market_access.year,
    city_market_access.plan,
    cast(policy_scores.policy_score as integer) as policy_score,
    plan_means.policy_score_mean,
    city_market_access.market_access,
    policy_scores.policy_score / plan_means.policy_score_mean * city_market_access.market_access as instrument
from city_market_access
inner join policy_scores
    on city_market_access.province_code = policy_scores.province_code
    and city_market_access.plan = policy_scores.plan
inner join plan_means
    on policy_scores.industry_code = plan_means.industry_code
    and policy_scores.plan = plan_means.plan
