{#- Own invention applications of each survey panel firm and application year
    (METHOD §5 firm patents, §6 innovation efficiency):

        invention_applications_it = #{invention patents applied for in t whose
                                      first applicant is firm i}

    The first applicant (text before the first `;`, normalised) is matched to
    a survey firm by the rule of METHOD §4 (macro survey_name_match, as in
    int_patents_industry_assigned): the firm carrying that normalised name in
    the same or the nearest survey year (ties to the earlier year; several
    firms with the name in that year: the lowest firm_id); the firm's
    panel_firm_id takes the count. Every
    application year of the raw root. Only firm-years with at least one
    application (absent = 0). One row per (panel_firm_id, year). -#}
with invention_patents as (
    select application_id, year, applicant_name_norm
    from {{ ref('stg_raw__patents') }}
    where patent_type = 'invention'
        and applicant_name_norm is not null
),

name_matches as (
    select * from {{ survey_name_match('invention_patents') }}
),

firm_patents as (
    select name_matches.application_id, name_matches.year, panel_ids.panel_firm_id
    from name_matches
    inner join {{ ref('int_survey_panel_ids') }} as panel_ids
        on name_matches.firm_id = panel_ids.firm_id
)

select
    panel_firm_id,
    cast(year as integer) as year,
    count(distinct application_id) as invention_applications
from firm_patents
group by panel_firm_id, year
