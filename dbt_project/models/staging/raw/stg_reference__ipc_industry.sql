{#- IPC subclass -> 2-digit industry concordance (CONTRACT reference/ipc_industry),
    typed; the subclass with its whitespace removed, as the patents' main
    subclass is (METHOD §4). -#}
with source_rows as (
    select * from {{ read_raw('reference', 'ipc_industry') }}
)

select
    regexp_replace(cast(ipc as varchar), '[\s\v\p{Z}\x{1c}-\x{1f}\x{85}]+', '', 'g') as ipc,
    cast(industry_code as varchar) as industry_code,
    try_cast(weight as double) as weight
from source_rows
