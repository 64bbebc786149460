{{ config(materialized='view') }}

{#- Customs lines as every later step reads them (METHOD §0 step 7): the
    lines of stg_raw__customs_transactions less those without a firm id
    (NULL or blank: they belong to no firm) and those of value 0; both are
    counted per year in int_trade_quality_counts. A view: the per-year
    models read their years of it. -#}
select *
from {{ ref('stg_raw__customs_transactions') }}
where not {{ is_blank('customs_firm_id') }}
    and value_usd is distinct from 0.0
