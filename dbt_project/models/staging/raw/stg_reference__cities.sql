{#- Prefecture-level cities (CONTRACT reference/cities), typed; flags parsed
    from booleans or `true`/`false` text (any case). -#}
with source_rows as (
    select * from {{ read_raw('reference', 'cities') }}
)

select
    cast(city_code as varchar) as city_code,
    cast(city_name as varchar) as city_name,
    cast(province_code as varchar) as province_code,
    cast(longitude as double) as longitude,
    cast(latitude as double) as latitude,
    {{ parse_bool('innovation_center') }} as innovation_center,
    {{ parse_bool('yrd_prd') }} as yrd_prd
from source_rows
