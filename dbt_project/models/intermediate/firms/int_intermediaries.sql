{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- Trade intermediaries (METHOD §2; Ahn, Khandelwal & Wei 2011): customs
    firm-years whose normalised year-t name contains a normalised keyword of
    stg_reference__intermediary_keywords. They leave the trade sample (DVAR,
    firm panel) and define s_h (int_indirect_import_shares). One row per
    (year, customs_firm_id); keyword = the smallest keyword found. -#}
with customs_firms as (
    select year, customs_firm_id, firm_name, name_norm
    from {{ ref('int_customs_firm_attributes') }}
    where {{ in_run_years('year') }}
        and name_norm is not null
),

keywords as (
    select keyword, keyword_norm
    from {{ ref('stg_reference__intermediary_keywords') }}
    where keyword_norm is not null
)

select
    customs_firms.year,
    customs_firms.customs_firm_id,
    customs_firms.firm_name,
    min(keywords.keyword) as keyword
from customs_firms
inner join keywords
    on contains(customs_firms.name_norm, keywords.keyword_norm)
group by customs_firms.year, customs_firms.customs_firm_id, customs_firms.firm_name
