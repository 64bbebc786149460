{#- Every survey firm-year of int_survey_prepared (all survey years, also
    excluded and pre-sample years; METHOD §0's duplicates and filtered rows
    left out, intermediate inputs imputed where the survey lacks them) with
    its panel id and METHOD units (panel
    inputs; read by the production assets and by fct_firm_panel):

        city_code       = prefecture of the row (first 4 digits + '00')
        province_code   = first 2 digits of city_code
        industry_code   = 2-digit CIC, industry_code_3 = 3-digit CIC
        exit_flag       = year is the panel firm's last survey year
                          and < the last survey year of the data
        is_exporter     = the firm-year has a fct_firm_year_dvar row
        state_share, foreign_share, ownership_source
                        = int_survey_ownership_shares (METHOD §0 step 4:
                          the capital components, else the panel firm's
                          nearest year with them, else the registration type)
        real_output, real_sales, real_intermediate_inputs, real_capital
                        = int_survey_real_values (METHOD §0 step 5: deflated
                          by the 2-digit industry-year price indices, capital
                          by perpetual inventory); NULL without the deflators

    Money in thousand RMB as surveyed (the real_ columns: thousand 1998 RMB). One row per (panel_firm_id, year). -#}
with survey_rows as (
    select * from {{ ref('int_survey_prepared') }}
),

panel_ids as (
    select firm_id, panel_firm_id from {{ ref('int_survey_panel_ids') }}
),

ownership_shares as (
    select year, firm_id, state_share, foreign_share, ownership_source
    from {{ ref('int_survey_ownership_shares') }}
),

real_values as (
    select year, firm_id, real_output, real_sales, real_intermediate_inputs, real_capital
    from {{ ref('int_survey_real_values') }}
),

exporter_years as (
    select distinct year, firm_id from {{ ref('fct_firm_year_dvar') }}
),

panel_rows as (
    select
        panel_ids.panel_firm_id,
        survey_rows.*,
        max(survey_rows.year) over (partition by panel_ids.panel_firm_id) as panel_last_year,
        max(survey_rows.year) over () as data_last_year
    from survey_rows
    inner join panel_ids
        on survey_rows.firm_id = panel_ids.firm_id
)

select
    panel_rows.panel_firm_id,
    panel_rows.firm_id,
    cast(panel_rows.year as integer) as year,
    panel_rows.prefecture_code as city_code,
    left(panel_rows.prefecture_code, 2) as province_code,
    panel_rows.industry_code_2 as industry_code,
    left(panel_rows.industry_code, 3) as industry_code_3,
    panel_rows.employment,
    panel_rows.output,
    panel_rows.sales,
    panel_rows.export_delivery,
    panel_rows.intermediate_inputs,
    panel_rows.fixed_assets,
    panel_rows.total_assets,
    panel_rows.paid_in_capital,
    panel_rows.state_capital,
    panel_rows.foreign_capital,
    panel_rows.hmt_capital,
    ownership_shares.state_share,
    ownership_shares.foreign_share,
    ownership_shares.ownership_source,
    real_values.real_output,
    real_values.real_sales,
    real_values.real_intermediate_inputs,
    real_values.real_capital,
    panel_rows.wage_bill,
    panel_rows.rd_expenditure,
    panel_rows.subsidy,
    panel_rows.year_established,
    panel_rows.year = panel_rows.panel_last_year
        and panel_rows.year < panel_rows.data_last_year as exit_flag,
    exporter_years.firm_id is not null as is_exporter
from panel_rows
left join ownership_shares
    on panel_rows.year = ownership_shares.year
    and panel_rows.firm_id = ownership_shares.firm_id
left join real_values
    on panel_rows.year = real_values.year
    and panel_rows.firm_id = real_values.firm_id
left join exporter_years
    on panel_rows.year = exporter_years.year
    and panel_rows.firm_id = exporter_years.firm_id
