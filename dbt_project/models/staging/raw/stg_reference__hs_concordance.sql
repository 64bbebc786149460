{#- HS2002/2007/2012 -> HS1996 links (CONTRACT reference/hs_concordance), typed.
    The weight column is used as given (METHOD §1). var('split_weights')
    ('equal' | 'trade') is not applied here: it decides how `gvc reference`
    fills the weights when it builds this table from the UNSD correlation
    files (analytics/ingest/reference.py: equal shares, or each target's
    share of national 2001 imports), and `gvc build` refuses a raw root whose
    table was not built with the weights the setting names
    (schemas/validate.py::split_weights_failures, from the sidecar
    reference/hs_concordance.json). -#}
with source_rows as (
    select * from {{ read_raw('reference', 'hs_concordance') }}
)

select
    cast(from_version as varchar) as from_version,
    cast(from_hs6 as varchar) as from_hs6,
    cast(hs6_1996 as varchar) as hs6_1996,
    cast(weight as double) as weight
from source_rows
