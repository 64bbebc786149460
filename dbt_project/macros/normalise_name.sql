{#- METHOD §2 name normalisation in SQL: the DuckDB function
    gvc_normalise_name, i.e. analytics.names.normalise_name itself, created on
    every dbt connection by the dbt-duckdb plugin orchestration.dbt_udfs
    (profiles.yml).  Unicode NFKC (full-width letters, digits, brackets and
    the ideographic space become half-width, ① becomes 1, ㈱ becomes (株)),
    then every White_Space character and the brackets
    ()[]{}【】〔〕「」『』《》〈〉 removed, then 有限责任公司 replaced by
    有限公司.  NULL or an empty result gives NULL.  DuckDB has no NFKC, so
    the rule is not restated in SQL: SQL and Python run the same code.
-#}
{% macro normalise_name(expr) -%}
{{ method_key_function('gvc_normalise_name', expr) }}
{%- endmacro %}

{#- `udf(cast(expr as varchar))` for a function of analytics.names.UDFS.

    Only dbt's own connections have these functions, so a view (or an
    ephemeral model inlined into one) calling them could not be read by any
    other connection -- the Python assets, the report, `duckdb.connect`:
    such a model is refused at compile time; materialise it as a table or
    incremental. -#}
{% macro method_key_function(udf, expr) -%}
    {%- if execute and model is defined and model is mapping and model.get('resource_type') == 'model' -%}
        {%- set materialized = model.get('config', {}).get('materialized') -%}
        {%- if materialized in ('view', 'ephemeral') -%}
            {{ exceptions.raise_compiler_error(
                "model " ~ model.get('name') ~ " calls " ~ udf ~ " but is materialized as a " ~ materialized
                ~ ": the function exists only on dbt's connections, so other readers of a view would fail;"
                ~ " materialize it as a table or incremental") }}
        {%- endif -%}
    {%- endif -%}
{{ udf }}(cast({{ expr }} as varchar))
{%- endmacro %}
