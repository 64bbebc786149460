{#- The normalised names each survey firm carries, by year, over every survey
    year of the raw root (not only the run years): step (c) of the customs ->
    survey match looks up names of years s != t (METHOD §2). One row per
    (firm_id, year) with a non-null name. -#}
select
    firm_id,
    year,
    name_norm
from {{ ref('int_survey_prepared') }}
where name_norm is not null
