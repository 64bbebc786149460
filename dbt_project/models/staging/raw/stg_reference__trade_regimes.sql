{#- Customs trade-mode code -> regime class (METHOD §1): reference/trade_regimes
    of the raw root when present, else the seed `trade_regimes` (METHOD
    default). Codes are trimmed (the customs side is trimmed too). -#}
{%- set seed_relation = ref('trade_regimes') -%}
with source_rows as (
    select * from {{ read_raw('reference', 'trade_regimes', fallback=seed_relation) }}
)

select
    trim(cast(trade_regime as varchar)) as trade_regime,
    cast(regime_class as varchar) as regime_class
from source_rows
