{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- A customs firm's name, phone and zip code in a year (METHOD §2): each its
    most frequent non-blank value over that year's customs lines, ties to
    the smallest value (code-point order); then the match keys: name_norm
    (normalise_name), phone_key (last 7 digits), zip_key (digits). One row
    per (year, customs_firm_id) of the run years. -#}
with customs_lines as (
    select year, customs_firm_id, firm_name, phone, zip_code
    from {{ ref('int_customs_prepared') }}
    where {{ in_run_years('year') }}
),

customs_firms as (
    select distinct year, customs_firm_id
    from customs_lines
),

attribute_values as (
    select year, customs_firm_id, 'firm_name' as attribute, firm_name as attribute_value
    from customs_lines
    union all
    select year, customs_firm_id, 'phone' as attribute, phone as attribute_value
    from customs_lines
    union all
    select year, customs_firm_id, 'zip_code' as attribute, zip_code as attribute_value
    from customs_lines
),

value_counts as (
    select year, customs_firm_id, attribute, attribute_value, count(*) as n_lines
    from attribute_values
    where not {{ is_blank('attribute_value') }}
    group by year, customs_firm_id, attribute, attribute_value
),

most_frequent_values as (
    select year, customs_firm_id, attribute, attribute_value
    from value_counts
    qualify row_number() over (
        partition by year, customs_firm_id, attribute
        order by n_lines desc, attribute_value asc
    ) = 1
),

firm_attributes as (
    select
        customs_firms.year,
        customs_firms.customs_firm_id,
        max(most_frequent_values.attribute_value) filter (where most_frequent_values.attribute = 'firm_name') as firm_name,
        max(most_frequent_values.attribute_value) filter (where most_frequent_values.attribute = 'phone') as phone,
        max(most_frequent_values.attribute_value) filter (where most_frequent_values.attribute = 'zip_code') as zip_code
    from customs_firms
    left join most_frequent_values
        on customs_firms.year = most_frequent_values.year
        and customs_firms.customs_firm_id = most_frequent_values.customs_firm_id
    group by customs_firms.year, customs_firms.customs_firm_id
)

select
    year,
    customs_firm_id,
    firm_name,
    phone,
    zip_code,
    {{ normalise_name('firm_name') }} as name_norm,
    {{ phone_key('phone') }} as phone_key,
    {{ zip_key('zip_code') }} as zip_key
from firm_attributes
