{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}

{#- Customs firm -> survey firm, per run year, in three one-to-one steps
    (METHOD §2; analytics.synth.truth.matching.match_customs_to_survey).
    Every customs firm of the year takes part (intermediaries included; they
    leave the trade sample later). Each step sees only firms still unmatched
    on both sides and links a pair only when its key identifies exactly one
    such customs firm and one such survey firm (one_to_one_links):

    a. customs name_norm = the survey firm's year-t name_norm;
    b. zip_key || '|' || phone_key, both present on both sides;
    c. customs name_norm = a name_norm the survey firm carries in a year
       s != t (int_survey_firm_names); the survey firm must have a year-t row.

    One row per (year, customs_firm_id) matched, with match_step. -#}
with customs_firms as (
    select
        year,
        customs_firm_id,
        name_norm,
        case when zip_key is not null and phone_key is not null then zip_key || '|' || phone_key end as zip_phone_key
    from {{ ref('int_customs_firm_attributes') }}
    where {{ in_run_years('year') }}
),

survey_firms as (
    select
        year,
        firm_id,
        name_norm,
        case when zip_key is not null and phone_key is not null then zip_key || '|' || phone_key end as zip_phone_key
    from {{ ref('int_survey_prepared') }}
    where {{ in_run_years('year') }}
),

-- (a) exact normalised name, same year
customs_names as (
    select year, customs_firm_id, name_norm as key from customs_firms
),

survey_names as (
    select year, firm_id, name_norm as key from survey_firms
),

name_matches as (
    select year, customs_firm_id, firm_id
    from {{ one_to_one_links('customs_names', 'survey_names', 'customs_firm_id', 'firm_id') }}
),

-- (b) zip code + last 7 phone digits, among firms unmatched by (a)
customs_zip_phones as (
    select customs_firms.year, customs_firms.customs_firm_id, customs_firms.zip_phone_key as key
    from customs_firms
    anti join name_matches
        on customs_firms.year = name_matches.year
        and customs_firms.customs_firm_id = name_matches.customs_firm_id
),

survey_zip_phones as (
    select survey_firms.year, survey_firms.firm_id, survey_firms.zip_phone_key as key
    from survey_firms
    anti join name_matches
        on survey_firms.year = name_matches.year
        and survey_firms.firm_id = name_matches.firm_id
),

zip_phone_matches as (
    select year, customs_firm_id, firm_id
    from {{ one_to_one_links('customs_zip_phones', 'survey_zip_phones', 'customs_firm_id', 'firm_id') }}
),

matched_so_far as (
    select year, customs_firm_id, firm_id from name_matches
    union all
    select year, customs_firm_id, firm_id from zip_phone_matches
),

-- (c) the survey firm's names of other years, among firms unmatched by (a), (b)
customs_names_left as (
    select customs_firms.year, customs_firms.customs_firm_id, customs_firms.name_norm as key
    from customs_firms
    anti join matched_so_far
        on customs_firms.year = matched_so_far.year
        and customs_firms.customs_firm_id = matched_so_far.customs_firm_id
),

survey_other_year_names as (
    select survey_firms.year, survey_firms.firm_id, other_years.name_norm as key
    from survey_firms
    inner join {{ ref('int_survey_firm_names') }} as other_years
        on survey_firms.firm_id = other_years.firm_id
        and other_years.year <> survey_firms.year
    anti join matched_so_far
        on survey_firms.year = matched_so_far.year
        and survey_firms.firm_id = matched_so_far.firm_id
),

other_year_name_matches as (
    select year, customs_firm_id, firm_id
    from {{ one_to_one_links('customs_names_left', 'survey_other_year_names', 'customs_firm_id', 'firm_id') }}
)

select year, customs_firm_id, firm_id, 'a' as match_step from name_matches
union all
select year, customs_firm_id, firm_id, 'b' as match_step from zip_phone_matches
union all
select year, customs_firm_id, firm_id, 'c' as match_step from other_year_name_matches
