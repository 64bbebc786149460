{#- HS2002/2007/2012 -> HS1996 links (CONTRACT reference/hs_concordance), typed.
    The weight column is used as given (METHOD §1).
    TODO(split_weights): when the platform builds this table itself from the
    UNSD correlation files, var('split_weights') = 'equal' | 'trade' decides how
    the weights of one-to-many links are filled (equal shares, or each
    target's share of national 2001 imports). A supplied table is never
    re-weighted, so the switch has no effect here. -#}
with source_rows as (
    select * from {{ read_raw('reference', 'hs_concordance') }}
)

select
    cast(from_version as varchar) as from_version,
    cast(from_hs6 as varchar) as from_hs6,
    cast(hs6_1996 as varchar) as hs6_1996,
    cast(weight as double) as weight
from source_rows
