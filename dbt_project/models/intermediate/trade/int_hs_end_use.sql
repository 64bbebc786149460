{#- End use of each HS1996 code (METHOD §1): its BEC Rev.4 basic class through
    the METHOD classes (bec_end_use); a row without a BEC code falls back to
    reference/hs_bec's own end_use. A code with several rows uses the one
    with the smallest bec_code (NULL codes last), as the Python truth does. -#}
with bec_rows as (
    select
        hs6_1996,
        bec_code,
        end_use as table_end_use,
        row_number() over (
            partition by hs6_1996
            order by bec_code asc nulls last, end_use asc nulls last
        ) as rank_in_code
    from {{ ref('stg_reference__hs_bec') }}
    where hs6_1996 is not null
),

first_bec_rows as (
    select hs6_1996, bec_code, table_end_use
    from bec_rows
    where rank_in_code = 1
)

select
    hs6_1996,
    bec_code,
    case
        when bec_code is null then table_end_use
        else {{ bec_end_use('bec_code') }}
    end as end_use
from first_bec_rows
