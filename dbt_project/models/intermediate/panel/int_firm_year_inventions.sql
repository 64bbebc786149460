{#- Own invention applications of each survey panel firm and application year
    (METHOD §5 firm patents, §6 innovation efficiency):

        invention_applications_it = #{invention patents applied for in t whose
                                      first applicant is firm i}

    The first applicant (text before the first `;`, normalised) is matched to
    a survey firm by the rule of METHOD §4 (int_patents_industry_assigned):
    the firm carrying that normalised name in the same or the nearest survey
    year (ties to the earlier year; several firms with the name in that year:
    the lowest firm_id); the firm's panel_firm_id takes the count. Every
    application year of the raw root. Only firm-years with at least one
    application (absent = 0). One row per (panel_firm_id, year). -#}
with invention_patents as (
    select application_id, year, applicant_name_norm
    from {{ ref('stg_raw__patents') }}
    where patent_type = 'invention'
        and applicant_name_norm is not null
),

survey_names as (
    -- per (normalised name, survey year): the lowest firm_id carrying it
    select name_norm, year as survey_year, min(firm_id) as firm_id
    from {{ ref('stg_raw__firm_survey') }}
    where name_norm is not null
    group by name_norm, year
),

name_candidates as (
    select
        invention_patents.application_id,
        invention_patents.year,
        survey_names.firm_id,
        row_number() over (
            partition by invention_patents.application_id
            order by
                abs(survey_names.survey_year - invention_patents.year),
                survey_names.survey_year
        ) as nearness_rank
    from invention_patents
    inner join survey_names
        on invention_patents.applicant_name_norm = survey_names.name_norm
),

firm_patents as (
    select name_candidates.application_id, name_candidates.year, panel_ids.panel_firm_id
    from name_candidates
    inner join {{ ref('int_survey_panel_ids') }} as panel_ids
        on name_candidates.firm_id = panel_ids.firm_id
    where name_candidates.nearness_rank = 1
)

select
    panel_firm_id,
    cast(year as integer) as year,
    count(distinct application_id) as invention_applications
from firm_patents
group by panel_firm_id, year
