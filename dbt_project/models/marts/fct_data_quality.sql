{#- The METHOD quality counts, one row per (year, check): the trade and
    matching counts with the customs lines METHOD §0 drops
    (int_trade_quality_counts), the end-use count
    (int_end_use_quality_counts), the survey counts (int_survey_quality_counts:
    METHOD §0's repeated rows, filtered firm-years and imputed intermediate
    inputs, cities and industries outside the reference lists, intermediate
    inputs NULL, exporters whose sales or M leave DVAR NULL), the DVAR counts of fct_firm_year_dvar (dvar_null,
    dvar_out_of_range) and the patent counts of the complementarity half
    (int_patents_quality_counts).

    Guard on the patents half: dbt records ref() while parsing, when the
    `graph` variable is still empty, so a graph check alone cannot drop the
    dependency before int_patents_quality_counts exists. The ref is taken at
    parse time unless var data_quality_patents is false (then the patent rows
    are left out), and at execution the rows are only read when the model is
    in the graph. -#}
{%- set patents_model = 'int_patents_quality_counts' %}
{%- set with_patents = var('data_quality_patents', true) %}
{%- if with_patents is string %}{% set with_patents = with_patents | lower in ['true', '1', 'yes'] %}{% endif %}
{%- if with_patents %}
    {%- set patents_relation = ref(patents_model) %}
{%- endif %}
{%- if execute and with_patents %}
    {%- set with_patents = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') | selectattr('name', 'equalto', patents_model) | list | length > 0 %}
{%- endif %}

with trade_checks as (
    select year, "check", count, share, example
    from {{ ref('int_trade_quality_counts') }}
),

input_checks as (
    select year, "check", count, share, example
    from {{ ref('int_end_use_quality_counts') }}
    union all
    select year, "check", count, share, example
    from {{ ref('int_survey_quality_counts') }}
),

check_years as (
    select distinct year
    from trade_checks
),

dvar_flags as (
    select
        year,
        firm_id,
        dvar is null as dvar_null,
        coalesce(not dvar_in_range, false) as dvar_out_of_range
    from {{ ref('fct_firm_year_dvar') }}
),

dvar_year_counts as (
    select
        check_years.year,
        count(dvar_flags.firm_id) as firm_years,
        count(*) filter (where dvar_flags.dvar_null) as dvar_null,
        min(dvar_flags.firm_id) filter (where dvar_flags.dvar_null) as dvar_null_example,
        count(*) filter (where dvar_flags.dvar_out_of_range) as dvar_out_of_range,
        min(dvar_flags.firm_id) filter (where dvar_flags.dvar_out_of_range) as dvar_out_of_range_example
    from check_years
    left join dvar_flags
        on check_years.year = dvar_flags.year
    group by check_years.year
),

dvar_checks as (
    select
        year,
        'dvar_null' as "check",
        dvar_null as count,
        cast(dvar_null as double) / nullif(firm_years, 0) as share,
        dvar_null_example as example
    from dvar_year_counts
    union all
    select
        year,
        'dvar_out_of_range' as "check",
        dvar_out_of_range as count,
        cast(dvar_out_of_range as double) / nullif(firm_years, 0) as share,
        dvar_out_of_range_example as example
    from dvar_year_counts
),

{%- if with_patents %}

patent_checks as (
    select year, "check", count, share, example
    from {{ patents_relation }}
),
{%- endif %}

all_checks as (
    select year, "check", count, share, example from trade_checks
    union all
    select year, "check", count, share, example from input_checks
    union all
    select year, "check", count, share, example from dvar_checks
    {%- if with_patents %}
    union all
    select year, "check", count, share, example from patent_checks
    {%- endif %}
)

select
    cast(year as integer) as year,
    cast("check" as varchar) as "check",
    cast(count as bigint) as count,
    cast(share as double) as share,
    cast(example as varchar) as example
from all_checks
