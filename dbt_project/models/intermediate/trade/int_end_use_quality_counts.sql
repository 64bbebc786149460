{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- End-use quality count of each run year, unioned into marts.fct_data_quality.
    One row per year, also when the count is 0:

    - hs_codes_not_in_hs_bec: distinct HS1996 codes (after the concordance;
      codes without a link are hs_codes_without_concordance_link) of the
      year's customs lines that reference/hs_bec does not list: their end use
      is NULL, so their imports are never capital (METHOD §1); share = their
      share of the year's customs value (both flows, after splitting);
      example = the smallest such code. -#}
with run_years as (
    select unnest([{{ run_years() | join(', ') }}]) as year
),

listed_codes as (
    select distinct hs6_1996
    from {{ ref('stg_reference__hs_bec') }}
    where hs6_1996 is not null
),

customs_codes as (
    select
        harmonised.year,
        harmonised.hs6_1996,
        listed_codes.hs6_1996 is null as not_listed,
        {{ ordered_sum("harmonised.value_usd") }} as value_usd
    from {{ ref('int_customs_harmonised') }} as harmonised
    left join listed_codes
        on harmonised.hs6_1996 = listed_codes.hs6_1996
    where {{ in_run_years('harmonised.year') }}
        and harmonised.hs6_1996 is not null
    group by harmonised.year, harmonised.hs6_1996, listed_codes.hs6_1996
),

year_values as (
    select year, {{ ordered_sum("value_usd") }} as value_usd
    from {{ ref('int_customs_harmonised') }}
    where {{ in_run_years('year') }}
    group by year
),

unlisted as (
    select year, count(*) as flagged, min(hs6_1996) as example, {{ ordered_sum("value_usd") }} as value_usd
    from customs_codes
    where not_listed
    group by year
)

select
    cast(run_years.year as integer) as year,
    cast('hs_codes_not_in_hs_bec' as varchar) as "check",
    cast(coalesce(unlisted.flagged, 0) as bigint) as count,
    coalesce(unlisted.value_usd, 0.0) / nullif(year_values.value_usd, 0) as share,
    cast(unlisted.example as varchar) as example
from run_years
left join year_values
    on run_years.year = year_values.year
left join unlisted
    on run_years.year = unlisted.year
