{#- Harris (1954) market access of each city and year (METHOD §6 IV):

        MA_jt = sum_{J != j} GDP_Jt / dist_jJ

    over the reference cities with a city_year GDP in t, dist_jJ the
    great-circle km between their coordinates (haversine, macro
    great_circle_km; pairs at distance 0 add nothing). Where
    reference/city_year.market_access is given it is used as is (CONTRACT:
    "null = computed"); market_access_source says which. One row per
    (city_code, year) of reference/city_year. -#}
with city_years as (
    select city_year.city_code, city_year.year, city_year.gdp, city_year.market_access
    from {{ ref('stg_reference__city_year') }} as city_year
),

located_city_years as (
    select city_years.city_code, city_years.year, city_years.gdp, cities.longitude, cities.latitude
    from city_years
    inner join {{ ref('stg_reference__cities') }} as cities
        on city_years.city_code = cities.city_code
    where city_years.gdp is not null
        and cities.longitude is not null
        and cities.latitude is not null
),

city_pair_distances as (
    select
        origin.city_code,
        origin.year,
        partner.gdp as partner_gdp,
        {{ great_circle_km('origin.longitude', 'origin.latitude', 'partner.longitude', 'partner.latitude') }} as distance_km
    from located_city_years as origin
    inner join located_city_years as partner
        on origin.year = partner.year
        and origin.city_code <> partner.city_code
),

computed_market_access as (
    select
        city_code,
        year,
        coalesce({{ ordered_sum('partner_gdp / distance_km') }} filter (where distance_km > 0), 0.0) as market_access
    from city_pair_distances
    group by city_code, year
)

select
    city_years.city_code,
    city_years.year,
    city_years.gdp,
    coalesce(city_years.market_access, computed_market_access.market_access) as market_access,
    case
        when city_years.market_access is not null then 'reference'
        when computed_market_access.market_access is not null then 'computed'
    end as market_access_source
from city_years
left join computed_market_access
    on city_years.city_code = computed_market_access.city_code
    and city_years.year = computed_market_access.year
