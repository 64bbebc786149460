{{ config(materialized='table') }}
{#- A table, not a view like the other staging models: its METHOD §2 keys
    come from the gvc_* functions only dbt's connections have (macros
    normalise_name / phone_key / zip_key), so every other reader gets them
    computed.  Rebuilt by every run that builds it (the per-year runs do). -#}

{#- Trade-intermediary name keywords (METHOD §2): reference/intermediary_keywords
    of the raw root when present, else the seed `intermediary_keywords`.
    keyword_norm is the METHOD §2 normalised keyword (NULL when empty: it
    then never matches). -#}
{%- set seed_relation = ref('intermediary_keywords') -%}
with source_rows as (
    select * from {{ read_raw('reference', 'intermediary_keywords', fallback=seed_relation) }}
)

select
    cast(keyword as varchar) as keyword,
    {{ normalise_name('cast(keyword as varchar)') }} as keyword_norm
from source_rows
where keyword is not null
