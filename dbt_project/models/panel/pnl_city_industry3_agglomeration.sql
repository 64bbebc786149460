{#- Industrial agglomeration (METHOD §5; Shao & Su 2019): the location
    quotient of employment of 3-digit industry k3 in prefecture j, year t,
    over every survey firm:

        LQ_{j,k3,t} = (E_{j,k3,t} / E_{j,t}) / (E_{k3,t} / E_t)

    E employment summed over survey firm-years. NULL when a denominator is
    not positive. Every survey year. One row per (city_code, industry_code_3,
    year) with a survey firm. -#}
with survey_firm_years as (
    select city_code, industry_code_3, year, employment
    from {{ ref('pnl_survey_firm_years') }}
),

cell_employment as (
    select city_code, industry_code_3, year, coalesce(sum(employment), 0) as cell_employment
    from survey_firm_years
    group by city_code, industry_code_3, year
),

city_employment as (
    select city_code, year, coalesce(sum(employment), 0) as city_employment
    from survey_firm_years
    group by city_code, year
),

industry_employment as (
    select industry_code_3, year, coalesce(sum(employment), 0) as industry_employment
    from survey_firm_years
    group by industry_code_3, year
),

national_employment as (
    select year, coalesce(sum(employment), 0) as national_employment
    from survey_firm_years
    group by year
)

select
    cell_employment.city_code,
    cell_employment.industry_code_3,
    cell_employment.year,
    cast(cell_employment.cell_employment as double) as employment,
    case
        when city_employment.city_employment > 0 and industry_employment.industry_employment > 0
            then (cast(cell_employment.cell_employment as double) / city_employment.city_employment)
                / (cast(industry_employment.industry_employment as double) / national_employment.national_employment)
    end as agglomeration
from cell_employment
inner join city_employment
    on cell_employment.city_code = city_employment.city_code
    and cell_employment.year = city_employment.year
inner join industry_employment
    on cell_employment.industry_code_3 = industry_employment.industry_code_3
    and cell_employment.year = industry_employment.year
inner join national_employment
    on cell_employment.year = national_employment.year
