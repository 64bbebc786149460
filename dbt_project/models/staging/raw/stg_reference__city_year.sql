{#- City-year indicators (CONTRACT reference/city_year), typed. -#}
with source_rows as (
    select * from {{ read_raw('reference', 'city_year') }}
)

select
    cast(city_code as varchar) as city_code,
    cast(year as integer) as year,
    cast(gdp as double) as gdp,
    cast(gdp_per_capita as double) as gdp_per_capita,
    cast(basic_research as double) as basic_research,
    cast(market_access as double) as market_access
from source_rows
