{%- set dvar_rule = var_choice('dvar_out_of_range', ['drop', 'clip']) %}
{%- set continuous_columns = [
    'dvar', 'complementarity', 'placebo_complementarity', 'instrument', 'market_access',
    'foreign_share', 'state_share', 'firm_size', 'firm_age', 'fixed_assets', 'capital_intensity',
    'general_trade_share', 'firm_patents', 'regional_patents', 'agglomeration',
    'gdp_per_capita', 'basic_research',
    'domestic_input_share', 'other_regions_domestic_sales', 'tfp', 'innovation_efficiency',
    'markup', 'quality', 'upstreamness', 'hhi', 'subsidy', 'labour_productivity', 'import_share',
] %}

{#- The analysis panel (METHOD §5-§6; CONTRACT marts.fct_firm_panel): one
    row per exporter firm-year of the estimation sample.

    Rows: fct_firm_year_dvar rows with a panel_firm_id and a non-NULL dvar in
    the sample years; var dvar_out_of_range 'drop' keeps dvar in [0, 1],
    'clip' clips it to [0, 1]. Rows stay when a control is missing (NULL): the
    estimation drops them. Firm attributes come from the firm's survey row of
    that year (pnl_survey_firm_years); survey money x 1000 / cny_per_usd is
    USD. With S sales, M intermediate inputs, Y = Y1 + Y2 exports (USD),
    IMP1 processing imports, IMPo ordinary imports (indirect-import adjusted
    as in fct_firm_year_dvar), Ko their capital part:

        foreign_share       = min((foreign + hmt capital) / paid-in, 1)
        state_share         = min(state capital / paid-in, 1)
                              (both as METHOD §0 step 4 fills them where
                              the components are missing:
                              int_survey_ownership_shares)
        firm_size           = ln employment
        firm_age            = t - year established + 1
        fixed_assets        = ln fixed assets
        capital_intensity   = ln(total assets / employment)
        general_trade_share = Y2 / Y
        firm_patents        = ln(1 + own invention applications in t)
        regional_patents    = ln(1 + invention_patents of (j, k, t))
        agglomeration       = (E_{j,k3,t}/E_{j,t}) / (E_{k3,t}/E_t)
        instrument          = policy_pkt / mean_p policy_pkt * MA_jt
        domestic_input_share = (M - IMP) / S,  IMP = IMP1 + IMPo - Ko
        import_share        = (IMP1 + IMPo) / M
        innovation_efficiency = own invention applications / R&D (R&D > 0)
        subsidy             = ln(1 + subsidy), labour_productivity = ln(output / employment)
        sales_decile        = ntile(10) of S within the year (panel rows)
        hc_group            = wage_bill/employment above the industry-year median: 'high', else 'low'
        ma_group            = market_access above the year median: 'high', else 'low'
        dvar_leadn          = dvar of the same panel firm's row of year t + n (NULL if absent)

    Every continuous column (the list above this comment) is then winsorised
    at var winsor_lower / winsor_upper (macro winsorise; full sample or per
    year, var winsorisation); complementarity_raw keeps C unwinsorised;
    groups and deciles are formed before winsorisation, leads after. -#}
with dvar_firm_years as (
    select
        panel_firm_id,
        firm_id,
        year,
        customs_firm_id,
        {%- if dvar_rule == 'clip' %}
        least(greatest(dvar, 0.0), 1.0) as dvar,
        {%- else %}
        dvar,
        {%- endif %}
        exports_usd,
        exports_ordinary_usd
    from {{ ref('fct_firm_year_dvar') }}
    where panel_firm_id is not null
        and dvar is not null
        and year in ({{ sample_years() | join(', ') }})
        {%- if dvar_rule == 'drop' %}
        and dvar between 0 and 1
        {%- endif %}
),

survey_firm_years as (
    select * from {{ ref('pnl_survey_firm_years') }}
),

panel_firm_mobility as (
    select panel_firm_id, count(distinct city_code) > 1 as mover
    from survey_firm_years
    group by panel_firm_id
),

trade_totals as (
    select year, customs_firm_id, imports_processing_usd, imports_ordinary_usd, capital_imports_ordinary_usd
    from {{ ref('int_customs_firm_trade_totals') }}
),

exchange_rates as (
    select year, cny_per_usd from {{ ref('stg_reference__exchange_rates') }}
),

complementarity_cells as (
    select city_code, industry_code, year, complementarity, placebo_complementarity, invention_patents
    from {{ ref('fct_city_industry_complementarity') }}
),

city_instruments as (
    select city_code, industry_code, year, policy_score, instrument
    from {{ ref('int_city_industry_instruments') }}
),

city_market_access as (
    select city_code, year, market_access from {{ ref('int_city_market_access') }}
),

cities as (
    select city_code, innovation_center, yrd_prd from {{ ref('stg_reference__cities') }}
),

city_years as (
    select city_code, year, gdp_per_capita, basic_research from {{ ref('stg_reference__city_year') }}
),

firm_inventions as (
    select panel_firm_id, year, invention_applications from {{ ref('int_firm_year_inventions') }}
),

market_structure as (
    select city_code, industry_code, year, hhi, other_regions_domestic_sales
    from {{ ref('pnl_city_industry_market_structure') }}
),

agglomeration_cells as (
    select city_code, industry_code_3, year, agglomeration from {{ ref('pnl_city_industry3_agglomeration') }}
),

export_products as (
    select panel_firm_id, year, n_products, n_destinations, upstreamness
    from {{ ref('pnl_firm_year_export_products') }}
),

firm_tfp as (
    select panel_firm_id, year, tfp from {{ source('analytics', 'firm_year_tfp') }}
),

firm_markups as (
    select panel_firm_id, year, markup from {{ source('analytics', 'firm_year_markups') }}
),

firm_quality as (
    select panel_firm_id, year, quality from {{ source('analytics', 'firm_year_quality') }}
),

survey_in_usd as (
    select
        survey_firm_years.*,
        survey_firm_years.sales * 1000.0 / exchange_rates.cny_per_usd as sales_usd,
        survey_firm_years.intermediate_inputs * 1000.0 / exchange_rates.cny_per_usd as intermediate_inputs_usd
    from survey_firm_years
    left join exchange_rates
        on survey_firm_years.year = exchange_rates.year
),

panel_rows as (
    select
        dvar_firm_years.panel_firm_id,
        dvar_firm_years.firm_id,
        dvar_firm_years.year,
        survey.city_code,
        survey.province_code,
        survey.industry_code,
        survey.industry_code_3,
        dvar_firm_years.dvar,
        complementarity_cells.complementarity,
        complementarity_cells.complementarity as complementarity_raw,
        complementarity_cells.placebo_complementarity,
        city_instruments.instrument,
        city_instruments.policy_score,
        city_market_access.market_access,
        survey.foreign_share,
        survey.state_share,
        {{ ln_positive('survey.employment') }} as firm_size,
        cast(dvar_firm_years.year - survey.year_established + 1 as double) as firm_age,
        {{ ln_positive('survey.fixed_assets') }} as fixed_assets,
        case
            when survey.employment > 0 then {{ ln_positive('survey.total_assets / survey.employment') }}
        end as capital_intensity,
        dvar_firm_years.exports_ordinary_usd / dvar_firm_years.exports_usd as general_trade_share,
        ln(1.0 + coalesce(firm_inventions.invention_applications, 0)) as firm_patents,
        ln(1.0 + coalesce(complementarity_cells.invention_patents, 0.0)) as regional_patents,
        agglomeration_cells.agglomeration,
        case
            when cities.yrd_prd then 1 when not cities.yrd_prd then 0
        end as yrd_prd,
        city_years.gdp_per_capita,
        city_years.basic_research,
        coalesce(panel_firm_mobility.mover, false) as mover,
        cities.innovation_center,
        case when survey.employment > 0 then survey.wage_bill / survey.employment end as wage_per_worker,
        case
            when survey.sales_usd > 0
                then (survey.intermediate_inputs_usd
                    - (trade_totals.imports_processing_usd + trade_totals.imports_ordinary_usd
                        - trade_totals.capital_imports_ordinary_usd)) / survey.sales_usd
        end as domestic_input_share,
        market_structure.other_regions_domestic_sales,
        firm_tfp.tfp,
        case
            when survey.rd_expenditure > 0
                then coalesce(firm_inventions.invention_applications, 0) / survey.rd_expenditure
        end as innovation_efficiency,
        firm_markups.markup,
        firm_quality.quality,
        export_products.n_products,
        export_products.n_destinations,
        export_products.upstreamness,
        market_structure.hhi,
        case when survey.subsidy >= 0 then ln(1.0 + survey.subsidy) end as subsidy,
        case when survey.employment > 0 then {{ ln_positive('survey.output / survey.employment') }} end as labour_productivity,
        case
            when survey.intermediate_inputs_usd > 0
                then (trade_totals.imports_processing_usd + trade_totals.imports_ordinary_usd)
                    / survey.intermediate_inputs_usd
        end as import_share,
        dvar_firm_years.exports_usd,
        survey.sales
    from dvar_firm_years
    inner join survey_in_usd as survey
        on dvar_firm_years.year = survey.year
        and dvar_firm_years.firm_id = survey.firm_id
    left join panel_firm_mobility
        on dvar_firm_years.panel_firm_id = panel_firm_mobility.panel_firm_id
    left join trade_totals
        on dvar_firm_years.year = trade_totals.year
        and dvar_firm_years.customs_firm_id = trade_totals.customs_firm_id
    left join complementarity_cells
        on survey.city_code = complementarity_cells.city_code
        and survey.industry_code = complementarity_cells.industry_code
        and dvar_firm_years.year = complementarity_cells.year
    left join city_instruments
        on survey.city_code = city_instruments.city_code
        and survey.industry_code = city_instruments.industry_code
        and dvar_firm_years.year = city_instruments.year
    left join city_market_access
        on survey.city_code = city_market_access.city_code
        and dvar_firm_years.year = city_market_access.year
    left join cities
        on survey.city_code = cities.city_code
    left join city_years
        on survey.city_code = city_years.city_code
        and dvar_firm_years.year = city_years.year
    left join firm_inventions
        on dvar_firm_years.panel_firm_id = firm_inventions.panel_firm_id
        and dvar_firm_years.year = firm_inventions.year
    left join market_structure
        on survey.city_code = market_structure.city_code
        and survey.industry_code = market_structure.industry_code
        and dvar_firm_years.year = market_structure.year
    left join agglomeration_cells
        on survey.city_code = agglomeration_cells.city_code
        and survey.industry_code_3 = agglomeration_cells.industry_code_3
        and dvar_firm_years.year = agglomeration_cells.year
    left join export_products
        on dvar_firm_years.panel_firm_id = export_products.panel_firm_id
        and dvar_firm_years.year = export_products.year
    left join firm_tfp
        on dvar_firm_years.panel_firm_id = firm_tfp.panel_firm_id
        and dvar_firm_years.year = firm_tfp.year
    left join firm_markups
        on dvar_firm_years.panel_firm_id = firm_markups.panel_firm_id
        and dvar_firm_years.year = firm_markups.year
    left join firm_quality
        on dvar_firm_years.panel_firm_id = firm_quality.panel_firm_id
        and dvar_firm_years.year = firm_quality.year
),

sales_deciles as (
    select
        panel_firm_id,
        year,
        cast(ntile(10) over (partition by year order by sales, panel_firm_id) as integer) as sales_decile
    from panel_rows
    where sales is not null
),

industry_year_wage_medians as (
    select industry_code, year, median(wage_per_worker) as median_wage_per_worker
    from panel_rows
    group by industry_code, year
),

year_market_access_medians as (
    select year, median(market_access) as median_market_access
    from panel_rows
    group by year
),

grouped_panel_rows as (
    select
        panel_rows.*,
        sales_deciles.sales_decile,
        sales_deciles.sales_decile = 10 as top_sales_decile,
        case
            when panel_rows.wage_per_worker > industry_year_wage_medians.median_wage_per_worker then 'high'
            when panel_rows.wage_per_worker <= industry_year_wage_medians.median_wage_per_worker then 'low'
        end as hc_group,
        case
            when panel_rows.market_access > year_market_access_medians.median_market_access then 'high'
            when panel_rows.market_access <= year_market_access_medians.median_market_access then 'low'
        end as ma_group
    from panel_rows
    left join sales_deciles
        on panel_rows.panel_firm_id = sales_deciles.panel_firm_id
        and panel_rows.year = sales_deciles.year
    left join industry_year_wage_medians
        on panel_rows.industry_code = industry_year_wage_medians.industry_code
        and panel_rows.year = industry_year_wage_medians.year
    left join year_market_access_medians
        on panel_rows.year = year_market_access_medians.year
),

winsorised_panel_rows as (
    select * from {{ winsorise('grouped_panel_rows', continuous_columns) }}
)

select
    winsorised_panel_rows.panel_firm_id,
    winsorised_panel_rows.firm_id,
    cast(winsorised_panel_rows.year as integer) as year,
    winsorised_panel_rows.city_code,
    winsorised_panel_rows.province_code,
    winsorised_panel_rows.industry_code,
    winsorised_panel_rows.industry_code_3,
    winsorised_panel_rows.dvar,
    winsorised_panel_rows.complementarity,
    winsorised_panel_rows.complementarity_raw,
    winsorised_panel_rows.placebo_complementarity,
    winsorised_panel_rows.instrument,
    winsorised_panel_rows.policy_score,
    winsorised_panel_rows.market_access,
    winsorised_panel_rows.foreign_share,
    winsorised_panel_rows.state_share,
    winsorised_panel_rows.firm_size,
    winsorised_panel_rows.firm_age,
    winsorised_panel_rows.fixed_assets,
    winsorised_panel_rows.capital_intensity,
    winsorised_panel_rows.general_trade_share,
    winsorised_panel_rows.firm_patents,
    winsorised_panel_rows.regional_patents,
    winsorised_panel_rows.agglomeration,
    winsorised_panel_rows.yrd_prd,
    winsorised_panel_rows.gdp_per_capita,
    winsorised_panel_rows.basic_research,
    winsorised_panel_rows.mover,
    winsorised_panel_rows.sales_decile,
    winsorised_panel_rows.top_sales_decile,
    winsorised_panel_rows.hc_group,
    winsorised_panel_rows.innovation_center,
    winsorised_panel_rows.ma_group,
    {%- for n in range(1, 6) %}
    dvar_lead{{ n }}.dvar as dvar_lead{{ n }},
    {%- endfor %}
    winsorised_panel_rows.domestic_input_share,
    winsorised_panel_rows.other_regions_domestic_sales,
    winsorised_panel_rows.tfp,
    winsorised_panel_rows.innovation_efficiency,
    winsorised_panel_rows.markup,
    winsorised_panel_rows.quality,
    winsorised_panel_rows.n_products,
    winsorised_panel_rows.n_destinations,
    winsorised_panel_rows.upstreamness,
    winsorised_panel_rows.hhi,
    winsorised_panel_rows.subsidy,
    winsorised_panel_rows.labour_productivity,
    winsorised_panel_rows.import_share,
    winsorised_panel_rows.exports_usd,
    winsorised_panel_rows.sales
from winsorised_panel_rows
{%- for n in range(1, 6) %}
left join winsorised_panel_rows as dvar_lead{{ n }}
    on winsorised_panel_rows.panel_firm_id = dvar_lead{{ n }}.panel_firm_id
    and winsorised_panel_rows.year + {{ n }} = dvar_lead{{ n }}.year
{%- endfor %}
