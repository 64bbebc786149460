{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- Survey quality counts of each run year, unioned into marts.fct_data_quality:
    what validation lets through (schemas/raw.py says which codes are refused
    and which are counted) but a user needs a word about. One row per
    (year, check), also when the count is 0:

    - survey_city_not_in_reference: survey firm-years whose prefecture (first
      4 digits of city_code + '00') is missing from reference/cities
      (province-administered county-level cities, a city left out of the
      list): kept, but city attributes (innovation_center, yrd_prd, market
      access) are NULL for them; share of the year's survey firm-years;
    - survey_industry_not_in_reference: survey firm-years whose 2-digit
      industry is missing from reference/industries (mining 06-11, utilities
      44-46: validation refuses any other unknown division); share of the
      year's survey firm-years;
    - survey_intermediate_inputs_null: survey firm-years with
      intermediate_inputs NULL after METHOD §0 (a share of 1 says the whole
      year lacks M: its exporters get no DVAR and leave the panel); share of
      the year's survey firm-years;
    - exporters_sales_not_positive: exporter firm-years of
      fct_firm_year_dvar's population (matched, not an intermediary,
      Y1 + Y2 > 0) whose survey sales are 0 or NULL: DVAR NULL (METHOD §3
      needs S > 0); share of the year's exporter firm-years;
    - exporters_intermediate_inputs_null: the same exporter firm-years with
      intermediate_inputs NULL: DVAR NULL (METHOD §3 needs M).

    METHOD §0 counts (int_survey_deduplicated, int_survey_prepared):

    - survey_duplicate_rows: rows of the raw files left out because another
      row of their (year, firm_id) had larger sales (or won the tie); share
      of the year's raw survey rows;
    - survey_filtered_<rule> (employment, assets, paid_in_capital,
      founding_year, industry): deduplicated firm-years the standard sample
      filters drop, each under the first rule it fails (the five sum to the
      rows dropped); share of the year's deduplicated firm-years; 0 under
      survey_filters = 'none';
    - survey_intermediate_inputs_imputed: firm-years whose M comes from the
      accounting identity (the survey lacks it);
    - survey_ownership_nearest_year, survey_ownership_registration_type:
      firm-years without capital components whose ownership shares come
      from the panel firm's nearest year with components, or from the
      registration type (int_survey_ownership_shares; METHOD §0 step 4);
      survey_ownership_null: firm-years left without ownership shares;
    - survey_deflator_missing: firm-years whose 2-digit industry-year has no
      output or no input deflator (real output and inputs NULL), and
      survey_investment_deflator_missing: firm-years without
      perpetual-inventory capital because their year, or an earlier year of
      their panel firm, has no investment deflator (int_survey_real_values;
      METHOD §0 step 5). Without the optional price tables every firm-year
      counts: the production side then uses nominal values;

    and survey_intermediate_inputs_null then counts what is still NULL after
    the identity. The city, industry and exporter checks are about the
    prepared survey (filtered rows left out); their shares are of its
    firm-years.

    example = the smallest firm_id concerned, with its code where the check
    is about one. -#}
{%- set filter_rules = ['employment', 'assets', 'paid_in_capital', 'founding_year', 'industry'] %}
{%- set check_names = ['survey_duplicate_rows'] %}
{%- for rule in filter_rules %}{% do check_names.append('survey_filtered_' ~ rule) %}{% endfor %}
{%- do check_names.extend([
    'survey_intermediate_inputs_imputed',
    'survey_ownership_nearest_year',
    'survey_ownership_registration_type',
    'survey_ownership_null',
    'survey_deflator_missing',
    'survey_investment_deflator_missing',
    'survey_city_not_in_reference',
    'survey_industry_not_in_reference',
    'survey_intermediate_inputs_null',
    'exporters_sales_not_positive',
    'exporters_intermediate_inputs_null',
]) %}

with run_years as (
    select unnest([{{ run_years() | join(', ') }}]) as year
),

listed_cities as (
    select distinct city_code
    from {{ ref('stg_reference__cities') }}
),

listed_industries as (
    select distinct industry_code
    from {{ ref('stg_reference__industries') }}
),

survey_rows as (
    select
        survey.year,
        survey.firm_id,
        survey.city_code,
        survey.industry_code,
        survey.sales,
        survey.intermediate_inputs,
        survey.intermediate_inputs_imputed,
        listed_cities.city_code is not null as city_listed,
        listed_industries.industry_code is not null as industry_listed
    from {{ ref('int_survey_prepared') }} as survey
    left join listed_cities
        on survey.prefecture_code = listed_cities.city_code
    left join listed_industries
        on survey.industry_code_2 = listed_industries.industry_code
    where {{ in_run_years('survey.year') }}
),

ownership_rows as (
    select year, firm_id, ownership_source, ownership_year
    from {{ ref('int_survey_ownership_shares') }}
    where {{ in_run_years('year') }}
),

real_value_rows as (
    select year, firm_id, industry_code, deflator_missing, investment_deflator_missing
    from {{ ref('int_survey_real_values') }}
    where {{ in_run_years('year') }}
),

deduplicated_rows as (
    select year, firm_id, duplicate_rows, filter_rule
    from {{ ref('int_survey_deduplicated') }}
    where {{ in_run_years('year') }}
),

exporter_firm_years as (
    select distinct matches.year, matches.firm_id
    from {{ ref('int_customs_survey_matches') }} as matches
    inner join {{ ref('int_customs_firm_trade_totals') }} as totals
        on matches.year = totals.year
        and matches.customs_firm_id = totals.customs_firm_id
    anti join {{ ref('int_intermediaries') }} as intermediaries
        on matches.year = intermediaries.year
        and matches.customs_firm_id = intermediaries.customs_firm_id
    where {{ in_run_years('matches.year') }}
        and totals.exports_processing_usd + totals.exports_ordinary_usd > 0
),

exporter_rows as (
    select survey_rows.*
    from survey_rows
    inner join exporter_firm_years
        on survey_rows.year = exporter_firm_years.year
        and survey_rows.firm_id = exporter_firm_years.firm_id
),

flagged_items as (
    select year, 'survey_duplicate_rows' as check_name, firm_id, duplicate_rows as items,
        firm_id || ' (' || (duplicate_rows + 1) || ' rows)' as example
    from deduplicated_rows
    where duplicate_rows > 0

    union all

    select year, 'survey_filtered_' || filter_rule as check_name, firm_id, 1 as items, firm_id as example
    from deduplicated_rows
    where filter_rule is not null

    union all

    select year, 'survey_intermediate_inputs_imputed' as check_name, firm_id, 1 as items, firm_id as example
    from survey_rows
    where intermediate_inputs_imputed

    union all

    select year, 'survey_ownership_' || ownership_source as check_name, firm_id, 1 as items,
        firm_id || coalesce(' (from ' || ownership_year || ')', '') as example
    from ownership_rows
    where ownership_source in ('nearest_year', 'registration_type')

    union all

    select year, 'survey_ownership_null' as check_name, firm_id, 1 as items, firm_id as example
    from ownership_rows
    where ownership_source is null

    union all

    select year, 'survey_deflator_missing' as check_name, firm_id, 1 as items,
        firm_id || ' (industry ' || coalesce(industry_code, 'NULL') || ')' as example
    from real_value_rows
    where deflator_missing

    union all

    select year, 'survey_investment_deflator_missing' as check_name, firm_id, 1 as items, firm_id as example
    from real_value_rows
    where investment_deflator_missing

    union all

    select year, 'survey_city_not_in_reference' as check_name, firm_id, 1 as items,
        firm_id || ' (city ' || city_code || ')' as example
    from survey_rows
    where not city_listed

    union all

    select year, 'survey_industry_not_in_reference' as check_name, firm_id, 1 as items,
        firm_id || ' (industry ' || industry_code || ')' as example
    from survey_rows
    where not industry_listed

    union all

    select year, 'survey_intermediate_inputs_null' as check_name, firm_id, 1 as items, firm_id as example
    from survey_rows
    where intermediate_inputs is null

    union all

    select year, 'exporters_sales_not_positive' as check_name, firm_id, 1 as items,
        firm_id || ' (sales ' || coalesce(cast(sales as varchar), 'NULL') || ')' as example
    from exporter_rows
    where sales is null or sales <= 0

    union all

    select year, 'exporters_intermediate_inputs_null' as check_name, firm_id, 1 as items, firm_id as example
    from exporter_rows
    where intermediate_inputs is null
),

check_counts as (
    select year, check_name, sum(items) as flagged, arg_min(example, firm_id) as example
    from flagged_items
    group by year, check_name
),

year_denominators as (
    select
        run_years.year,
        (select count(*) from survey_rows where survey_rows.year = run_years.year) as survey_firm_years,
        (
            select count(*) from deduplicated_rows where deduplicated_rows.year = run_years.year
        ) as deduplicated_firm_years,
        (
            select count(*) + coalesce(sum(duplicate_rows), 0) from deduplicated_rows
            where deduplicated_rows.year = run_years.year
        ) as raw_survey_rows,
        (select count(*) from exporter_rows where exporter_rows.year = run_years.year) as exporter_firm_years
    from run_years
),

year_checks as (
    select
        year,
        unnest({{ string_list(check_names) }}) as check_name
    from run_years
)

select
    cast(year_checks.year as integer) as year,
    cast(year_checks.check_name as varchar) as "check",
    cast(coalesce(check_counts.flagged, 0) as bigint) as count,
    cast(coalesce(check_counts.flagged, 0) as double) / nullif(
        case
            when year_checks.check_name like 'exporters_%' then year_denominators.exporter_firm_years
            when year_checks.check_name = 'survey_duplicate_rows' then year_denominators.raw_survey_rows
            when year_checks.check_name like 'survey_filtered_%' then year_denominators.deduplicated_firm_years
            else year_denominators.survey_firm_years
        end, 0
    ) as share,
    cast(check_counts.example as varchar) as example
from year_checks
inner join year_denominators
    on year_checks.year = year_denominators.year
left join check_counts
    on year_checks.year = check_counts.year
    and year_checks.check_name = check_counts.check_name
