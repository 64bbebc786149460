{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- METHOD §1-§2 quality counts of each run year, unioned into
    marts.fct_data_quality. One row per (year, check), also when the count is 0:

    - hs_codes_without_concordance_link: distinct HS6 codes (of the version
      in force) of the year's customs lines that have no hs_concordance link
      (kept whole with hs6_1996 NULL); share = their share of the year's
      customs value; example = the smallest such code;
    - customs_firms_intermediary: customs firms whose name marks a trade
      intermediary (left out of the trade sample); share of the year's
      customs firms; example = the smallest customs_firm_id;
    - customs_firms_unmatched_no_candidate: customs firms (not
      intermediaries) left unmatched because no key of theirs (name,
      zip + phone, name of another survey year) is carried by any survey firm
      of the year;
    - customs_firms_unmatched_ambiguous: customs firms (not intermediaries)
      left unmatched although a survey firm of the year carries one of their
      keys: the key was shared by several firms, or the candidate was taken
      by an earlier step;
    - customs_firms_unmatched_survey_row_filtered: customs firms (not
      intermediaries) left unmatched whose name or zip + phone is carried by
      a survey row of the year that METHOD §0's sample filters dropped
      (int_survey_deduplicated.filter_rule), or whose name that row's firm
      carries in another year: their survey row was there but left the
      survey. Counted before the two reasons above, which then only see the
      others;
    - customs_rows_without_firm_id, customs_rows_zero_value: customs lines
      METHOD §0 drops (int_customs_prepared): without a firm id (NULL or
      blank), and, of the others, of value 0; share of the year's customs
      lines; example = the line's flow and HS code, with its firm name or
      id;
    - customs_rows_without_partner: customs lines kept (with a firm id and a
      value) whose partner_country is NULL, as the contract allows: they
      count in DVAR, which does not use the partner, and the export lines
      among them leave the KSW quality estimation (its destination x year
      effects need a destination); share of the year's customs lines;
      example as above.
-#}
{%- set check_names = [
    'hs_codes_without_concordance_link',
    'customs_firms_intermediary',
    'customs_firms_unmatched_no_candidate',
    'customs_firms_unmatched_ambiguous',
    'customs_firms_unmatched_survey_row_filtered',
    'customs_rows_without_firm_id',
    'customs_rows_zero_value',
    'customs_rows_without_partner',
] %}

with run_years as (
    select unnest([{{ run_years() | join(', ') }}]) as year
),

customs_codes as (
    select year, hs6, bool_and(not concordance_linked) as without_link, {{ ordered_sum('value_usd') }} as value_usd
    from {{ ref('int_customs_harmonised') }}
    where {{ in_run_years('year') }}
    group by year, hs6
),

customs_firms as (
    select
        attributes.year,
        attributes.customs_firm_id,
        attributes.name_norm,
        case
            when attributes.zip_key is not null and attributes.phone_key is not null
                then attributes.zip_key || '|' || attributes.phone_key
        end as zip_phone_key,
        intermediaries.customs_firm_id is not null as is_intermediary,
        matches.customs_firm_id is not null as is_matched
    from {{ ref('int_customs_firm_attributes') }} as attributes
    left join {{ ref('int_intermediaries') }} as intermediaries
        on attributes.year = intermediaries.year
        and attributes.customs_firm_id = intermediaries.customs_firm_id
    left join {{ ref('int_customs_survey_matches') }} as matches
        on attributes.year = matches.year
        and attributes.customs_firm_id = matches.customs_firm_id
    where {{ in_run_years('attributes.year') }}
),

survey_keys as (
    select year, name_norm as key
    from {{ ref('int_survey_prepared') }}
    where {{ in_run_years('year') }}
    union
    select year, zip_key || '|' || phone_key as key
    from {{ ref('int_survey_prepared') }}
    where {{ in_run_years('year') }}
        and zip_key is not null
        and phone_key is not null
    union
    select survey.year, other_years.name_norm as key
    from {{ ref('int_survey_prepared') }} as survey
    inner join {{ ref('int_survey_firm_names') }} as other_years
        on survey.firm_id = other_years.firm_id
        and other_years.year <> survey.year
    where {{ in_run_years('survey.year') }}
),

filtered_survey_rows as (
    select year, firm_id, name_norm, zip_key, phone_key
    from {{ ref('int_survey_deduplicated') }}
    where {{ in_run_years('year') }}
        and filter_rule is not null
),

filtered_survey_keys as (
    select year, name_norm as key
    from filtered_survey_rows
    union
    select year, zip_key || '|' || phone_key as key
    from filtered_survey_rows
    where zip_key is not null
        and phone_key is not null
    union
    select filtered_survey_rows.year, other_years.name_norm as key
    from filtered_survey_rows
    inner join {{ ref('int_survey_firm_names') }} as other_years
        on filtered_survey_rows.firm_id = other_years.firm_id
        and other_years.year <> filtered_survey_rows.year
),

customs_lines as (
    select
        year,
        case
            when {{ is_blank('customs_firm_id') }} then 'customs_rows_without_firm_id'
            when value_usd = 0 then 'customs_rows_zero_value'
            when partner_country is null then 'customs_rows_without_partner'
        end as flagged_as,
        flow || ' ' || hs_code || ' ' || coalesce(
            case when {{ is_blank('customs_firm_id') }} then firm_name else customs_firm_id end, ''
        ) as example
    from {{ ref('stg_raw__customs_transactions') }}
    where {{ in_run_years('year') }}
),

left_unmatched as (
    select year, customs_firm_id, name_norm, zip_phone_key
    from customs_firms
    where not is_intermediary
        and not is_matched
),

firms_with_a_candidate as (
    -- equality joins on each key (hash joins), not `key in (name, zip|phone)`:
    -- that correlated test ran as a nested loop over the year's survey keys
    select left_unmatched.year, left_unmatched.customs_firm_id
    from left_unmatched
    inner join survey_keys
        on left_unmatched.year = survey_keys.year
        and left_unmatched.name_norm = survey_keys.key
    union
    select left_unmatched.year, left_unmatched.customs_firm_id
    from left_unmatched
    inner join survey_keys
        on left_unmatched.year = survey_keys.year
        and left_unmatched.zip_phone_key = survey_keys.key
),

firms_with_a_filtered_row as (
    select left_unmatched.year, left_unmatched.customs_firm_id
    from left_unmatched
    inner join filtered_survey_keys
        on left_unmatched.year = filtered_survey_keys.year
        and left_unmatched.name_norm = filtered_survey_keys.key
    union
    select left_unmatched.year, left_unmatched.customs_firm_id
    from left_unmatched
    inner join filtered_survey_keys
        on left_unmatched.year = filtered_survey_keys.year
        and left_unmatched.zip_phone_key = filtered_survey_keys.key
),

unmatched_firms as (
    select
        left_unmatched.year,
        left_unmatched.customs_firm_id,
        firms_with_a_candidate.customs_firm_id is not null as has_candidate,
        firms_with_a_filtered_row.customs_firm_id is not null as has_filtered_row
    from left_unmatched
    left join firms_with_a_candidate
        on left_unmatched.year = firms_with_a_candidate.year
        and left_unmatched.customs_firm_id = firms_with_a_candidate.customs_firm_id
    left join firms_with_a_filtered_row
        on left_unmatched.year = firms_with_a_filtered_row.year
        and left_unmatched.customs_firm_id = firms_with_a_filtered_row.customs_firm_id
),

flagged_items as (
    select year, 'hs_codes_without_concordance_link' as check_name, hs6 as example
    from customs_codes
    where without_link

    union all

    select year, 'customs_firms_intermediary' as check_name, customs_firm_id as example
    from customs_firms
    where is_intermediary

    union all

    select
        year,
        case
            when has_filtered_row then 'customs_firms_unmatched_survey_row_filtered'
            when has_candidate then 'customs_firms_unmatched_ambiguous'
            else 'customs_firms_unmatched_no_candidate'
        end as check_name,
        customs_firm_id as example
    from unmatched_firms

    union all

    select year, flagged_as as check_name, example
    from customs_lines
    where flagged_as is not null
),

check_counts as (
    select year, check_name, count(*) as flagged, min(example) as example
    from flagged_items
    group by year, check_name
),

year_denominators as (
    select
        run_years.year,
        (select count(*) from customs_firms where customs_firms.year = run_years.year) as customs_firms,
        (select count(*) from customs_lines where customs_lines.year = run_years.year) as customs_lines,
        (select {{ ordered_sum('value_usd') }} from customs_codes where customs_codes.year = run_years.year) as customs_value_usd,
        (
            select {{ ordered_sum('value_usd') }} from customs_codes
            where customs_codes.year = run_years.year and customs_codes.without_link
        ) as unlinked_value_usd
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
    case
        when year_checks.check_name = 'hs_codes_without_concordance_link'
            then coalesce(year_denominators.unlinked_value_usd, 0.0) / nullif(year_denominators.customs_value_usd, 0)
        when year_checks.check_name like 'customs_rows_%'
            then cast(coalesce(check_counts.flagged, 0) as double) / nullif(year_denominators.customs_lines, 0)
        else cast(coalesce(check_counts.flagged, 0) as double) / nullif(year_denominators.customs_firms, 0)
    end as share,
    cast(check_counts.example as varchar) as example
from year_checks
inner join year_denominators
    on year_checks.year = year_denominators.year
left join check_counts
    on year_checks.year = check_counts.year
    and year_checks.check_name = check_counts.check_name
