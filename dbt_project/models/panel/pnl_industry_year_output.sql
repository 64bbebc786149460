{#- National survey output of each 2-digit industry and survey year (for the
    upstreamness of METHOD §6, Antras et al. 2012: Y_k in Delta_ik = a_ik Y_k / Y_i):

        output_kt = sum over survey firm-years of industry k in t of output

    Thousand RMB; every survey year. One row per (industry_code, year). -#}
with survey_firm_years as (
    select industry_code, year, output
    from {{ ref('pnl_survey_firm_years') }}
)

select
    industry_code,
    year,
    coalesce({{ ordered_sum('output') }}, 0.0) as output
from survey_firm_years
group by industry_code, year
