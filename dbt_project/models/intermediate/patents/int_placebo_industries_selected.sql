{#- The placebo industry of each industry k (METHOD §4, paper §4.3.5): among
    reference/io_links rows with industry_code = k, supplier_industry_code
    != k and a coefficient, the supplier with the smallest input_coefficient,
    ties to the smallest code.  Pairs absent from io_links are not
    candidates; an industry without a row here has no placebo (NULL C). -#}
with candidate_suppliers as (
    select industry_code, supplier_industry_code, input_coefficient
    from {{ ref('stg_reference__io_links') }}
    where supplier_industry_code <> industry_code
        and input_coefficient is not null
),

ranked_suppliers as (
    select
        *,
        row_number() over (
            partition by industry_code
            order by input_coefficient, supplier_industry_code
        ) as supplier_rank
    from candidate_suppliers
)

select
    industry_code,
    supplier_industry_code as placebo_industry_code,
    input_coefficient
from ranked_suppliers
where supplier_rank = 1
