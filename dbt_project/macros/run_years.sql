{#- The sample years a run (re)builds: var('years') when given, else the
    comma-separated years of env GVC_RUN_YEARS (a partition run: how the
    orchestration passes them), else every year of year_start..year_end less
    exclude_years. `in_run_years(col)` is the filter every per-year model
    applies, on its first build too, so an incremental delete+insert replaces
    exactly those years.
    The run's years and the raw root are read from the environment only at
    execute time: dbt then records nothing for partial parsing, and every run
    reuses one parse of the project (varying --vars would force a full one). -#}
{% macro sample_years() -%}
    {%- set out = [] -%}
    {%- for y in range(var('year_start') | int, (var('year_end') | int) + 1) -%}
        {%- if y not in var('exclude_years') -%}{%- do out.append(y) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{% macro run_years() -%}
    {%- set given = var('years') -%}
    {%- if given | length == 0 and execute -%}
        {%- set given = env_var('GVC_RUN_YEARS', '') -%}
    {%- endif -%}
    {%- if given is string -%}{%- set given = given.replace(' ', '').split(',') | select | map('int') | list -%}{%- endif -%}
    {{ return(given | map('int') | list if given | length > 0 else sample_years()) }}
{%- endmacro %}

{% macro in_run_years(column) -%}
    {{ column }} in ({{ run_years() | join(', ') }})
{%- endmacro %}

{% macro raw_root() -%}
    {%- set root = var('raw_root', '') -%}
    {%- if execute and not root -%}
        {%- set root = env_var('GVC_RAW', '') -%}
        {%- if not root -%}
            {{ exceptions.raise_compiler_error("no raw root: set GVC_RAW (or pass --vars '{raw_root: DIR}')") }}
        {%- endif -%}
    {%- endif -%}
    {{ return(root) }}
{%- endmacro %}

{#- METHOD §4 patent windows: the focal run years t use application years
    t-n+1..t (n = var patent_window_years; excluded years included). -#}
{% macro window_application_years() -%}
    {%- set n = var('patent_window_years') | int -%}
    {%- set out = [] -%}
    {%- for t in run_years() -%}
        {%- for y in range(t - n + 1, t + 1) -%}
            {%- if y not in out -%}{%- do out.append(y) -%}{%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(out | sort) }}
{%- endmacro %}

{#- `(focal year, application year)` pairs as SQL VALUES rows. -#}
{% macro focal_window_rows() -%}
    {%- set n = var('patent_window_years') | int -%}
    {%- set rows = [] -%}
    {%- for t in run_years() -%}
        {%- for y in range(t - n + 1, t + 1) -%}
            {%- do rows.append('(' ~ t ~ ', ' ~ y ~ ')') -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(rows | join(', ')) }}
{%- endmacro %}

{#- Pre-hook of every model (dbt_project.yml): an incremental per-year model
    first deletes every year of the run, so a year whose input rows vanished
    (an emptied folder, rows removed) loses its old rows too; delete+insert
    alone would only replace the years that still have new rows. -#}
{% macro delete_run_years() -%}
    {%- if execute and config.get('materialized') == 'incremental' and is_incremental() -%}
        delete from {{ this }} where {{ in_run_years(config.get('unique_key') or 'year') }}
    {%- endif -%}
{%- endmacro %}
