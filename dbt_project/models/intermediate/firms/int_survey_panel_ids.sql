{#- Survey panel ids (METHOD §2; Brandt, Van Biesebroeck & Zhang 2012),
    exactly analytics.synth.truth.matching.survey_panel_ids:

    1. rows with one firm_id are one firm; its spell runs from its first to
       its last survey year;
    2. for each pair of consecutive survey years present (p, t), a firm_id
       whose LAST year is p may link to a firm_id whose FIRST year is t:
       first by normalised name (year-p row vs year-t row), then, among those
       still unlinked, by normalised legal rep + city_code + industry_code
       (all three present); both steps one-to-one (one_to_one_links). The
       candidates of a pair (p, t) do not depend on other pairs' links, so
       every pair is linked in one set-based pass (grouped by link_year = t);
    3. links chain spells that follow one another in time; panel_firm_id is
       the firm_id at the start of the chain (recursive CTE).

    Every survey year of the raw root takes part (also excluded years and
    years before the sample), as METHOD §0 left it (int_survey_prepared:
    one row per (year, firm_id), filtered rows out). One row per firm_id. -#}
with recursive survey_rows as (
    select firm_id, year, name_norm, legal_rep_norm, city_code, industry_code
    from {{ ref('int_survey_prepared') }}
),

firm_spells as (
    select firm_id, min(year) as first_year, max(year) as last_year
    from survey_rows
    group by firm_id
),

consecutive_years as (
    select year, lead(year) over (order by year) as next_year
    from (select distinct year from survey_rows) as survey_years
),

spell_ends as (
    -- the last row of each spell, keyed by the next survey year it may link into
    select
        consecutive_years.next_year as link_year,
        survey_rows.firm_id as pred_firm_id,
        survey_rows.name_norm,
        {{ legal_rep_city_industry_key('survey_rows') }} as rep_key
    from survey_rows
    inner join firm_spells
        on survey_rows.firm_id = firm_spells.firm_id
        and survey_rows.year = firm_spells.last_year
    inner join consecutive_years
        on survey_rows.year = consecutive_years.year
    where consecutive_years.next_year is not null
),

spell_starts as (
    -- the first row of each spell
    select
        survey_rows.year as link_year,
        survey_rows.firm_id,
        survey_rows.name_norm,
        {{ legal_rep_city_industry_key('survey_rows') }} as rep_key
    from survey_rows
    inner join firm_spells
        on survey_rows.firm_id = firm_spells.firm_id
        and survey_rows.year = firm_spells.first_year
),

spell_end_names as (
    select link_year, pred_firm_id, name_norm as key from spell_ends
),

spell_start_names as (
    select link_year, firm_id, name_norm as key from spell_starts
),

name_links as (
    select link_year, pred_firm_id, firm_id
    from {{ one_to_one_links('spell_end_names', 'spell_start_names', 'pred_firm_id', 'firm_id', 'link_year') }}
),

spell_end_reps as (
    select spell_ends.link_year, spell_ends.pred_firm_id, spell_ends.rep_key as key
    from spell_ends
    anti join name_links
        on spell_ends.link_year = name_links.link_year
        and spell_ends.pred_firm_id = name_links.pred_firm_id
),

spell_start_reps as (
    select spell_starts.link_year, spell_starts.firm_id, spell_starts.rep_key as key
    from spell_starts
    anti join name_links
        on spell_starts.link_year = name_links.link_year
        and spell_starts.firm_id = name_links.firm_id
),

rep_links as (
    select link_year, pred_firm_id, firm_id
    from {{ one_to_one_links('spell_end_reps', 'spell_start_reps', 'pred_firm_id', 'firm_id', 'link_year') }}
),

spell_links as (
    select firm_id, pred_firm_id, 'name' as link_rule from name_links
    union all
    select firm_id, pred_firm_id, 'legal_rep_city_industry' as link_rule from rep_links
),

panel_chains as (
    select
        firm_spells.firm_id,
        firm_spells.firm_id as panel_firm_id,
        cast(null as varchar) as pred_firm_id,
        cast(null as varchar) as link_rule,
        0 as chain_position
    from firm_spells
    anti join spell_links
        on firm_spells.firm_id = spell_links.firm_id

    union all

    select
        spell_links.firm_id,
        panel_chains.panel_firm_id,
        spell_links.pred_firm_id,
        spell_links.link_rule,
        panel_chains.chain_position + 1 as chain_position
    from panel_chains
    inner join spell_links
        on spell_links.pred_firm_id = panel_chains.firm_id
)

select
    panel_chains.firm_id,
    panel_chains.panel_firm_id,
    panel_chains.pred_firm_id,
    panel_chains.link_rule,
    panel_chains.chain_position,
    firm_spells.first_year,
    firm_spells.last_year
from panel_chains
inner join firm_spells
    on panel_chains.firm_id = firm_spells.firm_id
