{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}
{%- set brokers = var_flag('broker_digit') %}

{#- Trade intermediaries (METHOD §2; Ahn, Khandelwal & Wei 2011; METHOD §0
    step 6): customs firm-years whose normalised year-t name contains a
    normalised keyword of stg_reference__intermediary_keywords, and (var
    broker_digit, default on) whose customs code has '8' as its 6th
    character (the enterprise-type digit of a customs code: customs brokers
    without trading rights). They leave the trade sample (DVAR, firm panel)
    and define s_h (int_indirect_import_shares). One row per (year,
    customs_firm_id); keyword = the smallest keyword found (NULL for a broker
    code without one), rule = keyword | broker_id (keyword first). -#}
with customs_firms as (
    select year, customs_firm_id, firm_name, name_norm
    from {{ ref('int_customs_firm_attributes') }}
    where {{ in_run_years('year') }}
),

keywords as (
    select keyword, keyword_norm
    from {{ ref('stg_reference__intermediary_keywords') }}
    where keyword_norm is not null
),

keyword_matches as (
    select
        customs_firms.year,
        customs_firms.customs_firm_id,
        customs_firms.firm_name,
        min(keywords.keyword) as keyword
    from customs_firms
    inner join keywords
        on contains(customs_firms.name_norm, keywords.keyword_norm)
    group by customs_firms.year, customs_firms.customs_firm_id, customs_firms.firm_name
),

broker_codes as (
    select year, customs_firm_id, firm_name
    from customs_firms
    where {{ 'true' if brokers else 'false' }}
        and substr(customs_firm_id, 6, 1) = '8'
)

select year, customs_firm_id, firm_name, keyword, 'keyword' as rule
from keyword_matches
union all
select broker_codes.year, broker_codes.customs_firm_id, broker_codes.firm_name, null as keyword,
    'broker_id' as rule
from broker_codes
anti join keyword_matches
    on broker_codes.year = keyword_matches.year
    and broker_codes.customs_firm_id = keyword_matches.customs_firm_id
