{{ config(materialized='table') }}
{#- A table, not a view like the other staging models: its METHOD §2 keys
    come from the gvc_* functions only dbt's connections have (macros
    normalise_name / phone_key / zip_key), so every other reader gets them
    computed.  Rebuilt by every run that builds it (the per-year runs do). -#}

{#- Patent applications (CONTRACT raw `patents`), typed: one row per
    application, with what METHOD §4 keys on.

    - first_applicant: the text before the first `;` of applicant_name, and
      its METHOD §2 normalised name (the survey name-match key);
    - ipc_list: the `;`-separated IPC symbols with every whitespace character
      removed (Python's `\s`: ASCII and Unicode spaces) and empty symbols
      dropped, main (first) first; main_subclass = the main symbol's first 4
      characters (NULL when the patent has no symbol). -#}
with source_rows as (
    select * from {{ read_raw('raw', 'patents') }}
),

typed as (
    select
        cast(application_id as varchar) as application_id,
        cast(application_year as integer) as year,
        cast(patent_type as varchar) as patent_type,
        cast(applicant_name as varchar) as applicant_name,
        trim(cast(applicant_city_code as varchar)) as applicant_city_code,
        cast(ipc_codes as varchar) as ipc_codes
    from source_rows
),

split_fields as (
    select
        *,
        split_part(applicant_name, ';', 1) as first_applicant,
        list_filter(
            string_split(
                regexp_replace(coalesce(ipc_codes, ''), '[\s\v\p{Z}\x{1c}-\x{1f}\x{85}]+', '', 'g'),
                ';'
            ),
            lambda code: code <> ''
        ) as ipc_list
    from typed
),

{#- each distinct first applicant normalised once, then joined back (an
    applicant files many patents; NULL finds no row and stays NULL) -#}
applicant_keys as materialized (
    select first_applicant, {{ normalise_name('first_applicant') }} as applicant_name_norm
    from (select distinct first_applicant from split_fields where first_applicant is not null)
)

select
    split_fields.application_id,
    split_fields.year,
    split_fields.patent_type,
    split_fields.applicant_name,
    split_fields.first_applicant,
    applicant_keys.applicant_name_norm,
    split_fields.applicant_city_code,
    split_fields.ipc_codes,
    split_fields.ipc_list,
    cast(len(split_fields.ipc_list) as integer) as n_ipc,
    split_fields.ipc_list[1] as main_ipc,
    left(split_fields.ipc_list[1], 4) as main_subclass
from split_fields
left join applicant_keys on split_fields.first_applicant = applicant_keys.first_applicant
