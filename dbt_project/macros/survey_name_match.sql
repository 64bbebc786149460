{#- The survey firm a patent's first applicant is (METHOD §4 step 1, also
    METHOD §5 firm patents): the firm carrying the applicant's normalised name
    in the same or the nearest survey year (ties to the earlier year); several
    firms with the name in that year: the lowest firm_id. Every survey year of
    int_survey_prepared counts (excluded and pre-sample years too), whatever
    years the run builds.

    `patents` names a relation (a CTE) with columns application_id, year (the
    application year) and applicant_name_norm (normalise_name of the first
    applicant), one row per application. `firm_columns`: columns of the
    matched firm's survey row to carry along (e.g. ['industry_code_2']).
    Returns a subquery with every column of `patents`, firm_id, survey_year
    and the `firm_columns`: one row per application that matches a survey
    name (the others are left out).
-#}
{% macro survey_name_match(patents, firm_columns=[]) -%}
(
    with survey_names as (
        -- per (normalised name, survey year): the firm with the lowest firm_id
        select
            name_norm,
            year as survey_year,
            firm_id
            {%- for c in firm_columns %},
            {{ c }}
            {%- endfor %}
        from {{ ref('int_survey_prepared') }}
        where name_norm is not null
        qualify row_number() over (partition by name_norm, year order by firm_id) = 1
    )

    select
        {{ patents }}.*,
        survey_names.firm_id,
        survey_names.survey_year
        {%- for c in firm_columns %},
        survey_names.{{ c }}
        {%- endfor %}
    from {{ patents }}
    inner join survey_names
        on {{ patents }}.applicant_name_norm = survey_names.name_norm
    qualify row_number() over (
        partition by {{ patents }}.application_id
        order by
            abs(survey_names.survey_year - {{ patents }}.year),
            survey_names.survey_year
    ) = 1
)
{%- endmacro %}
