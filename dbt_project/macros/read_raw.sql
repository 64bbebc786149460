{#- Reading the raw root (CONTRACT "Raw inputs").

    `read_raw(source_name, table_name, fallback=none)` renders a DuckDB table
    function over every data file of a source table, to be used in a staging
    model's `from`:

        from {{ read_raw('raw', 'customs_transactions') }}

    - source `raw`       -> <raw_root>/<table>/
      source `reference` -> <raw_root>/reference/<table>/
      (the root comes from `raw_root()`: var raw_root, else env GVC_RAW)
    - Parquet (`*.parquet`) and CSV (`*.csv`, UTF-8, header row, read as all
      varchar so codes keep their leading zeros) are found at any depth. With
      var csv_encoding (MethodSettings.csv_encoding) other than utf-8 the CSV
      files are read from their UTF-8 copies (DuckDB reads UTF-8 CSV only
      here: its `encodings` extension is not installed): the folder named by
      var csv_utf8_root, else env GVC_CSV_UTF8, written by
      analytics.rawio.stage_utf8_csv (gvc build does); without it a CSV
      table raises a compiler error saying so. A
      folder holding both is read as the union by column name of the two.
      Which formats exist is decided when the model is built; the reader
      itself takes a glob (`<folder>/**/*.parquet`), so a view picks up new
      files of a format already present (e.g. a new year=YYYY folder)
      without being rebuilt.
    - Hive `year=YYYY` folders are detected from the file paths
      (hive_partitioning on: the folder's `year` column is added, or checked
      against the files' own `year` column when they carry one).
    - It calls `source()` so the dbt graph keeps the lineage source -> staging.
    - A table without any file raises a compiler error, unless `fallback` (a
      relation, e.g. `ref('trade_regimes')` of a seed) is given: then the
      fallback is read instead.  The fallback's `ref()` must be called by the
      model unconditionally (dbt records refs at parse time).
    - At parse time (`execute` false) nothing is read.
-#}
{% macro raw_table_folder(source_name, table_name, root=none) -%}
    {%- set root = (root or raw_root()) | replace('\\', '/') -%}
    {%- set root = root[:-1] if root.endswith('/') else root -%}
    {%- if source_name == 'reference' -%}
        {{ return(root ~ '/reference/' ~ table_name) }}
    {%- else -%}
        {{ return(root ~ '/' ~ table_name) }}
    {%- endif -%}
{%- endmacro %}

{% macro raw_table_files(folder, csv_folder=none) -%}
    {#- {'parquet': [...], 'csv': [...]} of the files under folder (sorted); the CSV
        files under csv_folder when given (the UTF-8 copies) -#}
    {%- set q = "select file from glob('" ~ (folder | replace("'", "''")) ~ "/**/*.parquet') order by file" -%}
    {%- set parquet = run_query(q).columns[0].values() | list -%}
    {%- set q = "select file from glob('" ~ ((csv_folder or folder) | replace("'", "''")) ~ "/**/*.csv') order by file" -%}
    {%- set csv = run_query(q).columns[0].values() | list -%}
    {{ return({'parquet': parquet, 'csv': csv}) }}
{%- endmacro %}

{% macro csv_utf8_folder(source_name, table_name) -%}
    {#- The folder of a table's CSV files in UTF-8: the raw folder itself when
        var csv_encoding is utf-8, else its copy under the staged root
        (var csv_utf8_root, else env GVC_CSV_UTF8); none when not staged. -#}
    {%- set encoding = (var('csv_encoding', 'utf-8') or 'utf-8') | lower | replace('_', '-') -%}
    {%- if encoding in ['utf-8', 'utf8'] -%}
        {{ return(raw_table_folder(source_name, table_name)) }}
    {%- endif -%}
    {%- set staged = var('csv_utf8_root', '') or env_var('GVC_CSV_UTF8', '') -%}
    {%- if not staged -%}{{ return(none) }}{%- endif -%}
    {{ return(raw_table_folder(source_name, table_name, staged)) }}
{%- endmacro %}

{% macro raw_table_exists(source_name, table_name) -%}
    {%- if not execute -%}{{ return(true) }}{%- endif -%}
    {%- set files = raw_table_files(raw_table_folder(source_name, table_name)) -%}
    {{ return((files['parquet'] | length) + (files['csv'] | length) > 0) }}
{%- endmacro %}

{% macro _sql_glob(folder, extension) -%}
    '{{ folder | replace("'", "''") }}/**/*.{{ extension }}'
{%- endmacro %}

{% macro read_raw(source_name, table_name, fallback=none) -%}
    {%- set src = source(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return('(select 1 as parse_placeholder)') }}
    {%- endif -%}
    {%- set folder = raw_table_folder(source_name, table_name) -%}
    {%- set files = raw_table_files(folder) -%}
    {%- set csv_folder = csv_utf8_folder(source_name, table_name) -%}
    {%- if files['csv'] | length > 0 and csv_folder is none -%}
        {{ exceptions.raise_compiler_error("csv_encoding = " ~ var('csv_encoding') ~ ": the CSV files of " ~ folder ~ " are read from UTF-8 copies (DuckDB reads only UTF-8 CSV here), and none are staged: run `gvc build`, or write them with analytics.rawio.stage_utf8_csv(raw_root, encoding, DIR) and set GVC_CSV_UTF8=DIR") }}
    {%- endif -%}
    {%- if csv_folder != folder -%}
        {%- set files = raw_table_files(folder, csv_folder) -%}
    {%- endif -%}
    {%- set all_files = files['parquet'] + files['csv'] -%}
    {%- if all_files | length == 0 -%}
        {%- if fallback is not none -%}
            {{ log("raw root has no " ~ source_name ~ "." ~ table_name ~ " under " ~ folder ~ ": using " ~ fallback, info=true) }}
            {{ return(fallback) }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error("no Parquet or CSV file for " ~ source_name ~ "." ~ table_name ~ " under " ~ folder) }}
    {%- endif -%}
    {%- set ns = namespace(hive=false) -%}
    {%- for f in all_files -%}
        {%- if '/year=' in (f | replace('\\', '/')) -%}{%- set ns.hive = true -%}{%- endif -%}
    {%- endfor -%}
    {%- set hive = 'true' if ns.hive else 'false' -%}
    {%- set readers = [] -%}
    {%- if files['parquet'] | length > 0 -%}
        {%- do readers.append("select * from read_parquet(" ~ _sql_glob(folder, 'parquet') ~ ", hive_partitioning = " ~ hive ~ ", union_by_name = true)") -%}
    {%- endif -%}
    {%- if files['csv'] | length > 0 -%}
        {%- do readers.append("select * from read_csv(" ~ _sql_glob(csv_folder, 'csv') ~ ", header = true, all_varchar = true, union_by_name = true, hive_partitioning = " ~ hive ~ ")") -%}
    {%- endif -%}
    {{ return('(' ~ (readers | join(' union all by name ')) ~ ')') }}
{%- endmacro %}

{#- The columns of a raw table's files (lower case), to read a column the
    contract makes optional only where the files have it (optional_column).
    [] at parse time (`execute` false): nothing is read then. -#}
{% macro raw_columns(source_name, table_name) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set described = run_query("describe select * from " ~ read_raw(source_name, table_name)) -%}
    {{ return(described.columns[0].values() | map('lower') | list) }}
{%- endmacro %}

{#- `cast(name as data_type) as name` when the raw files have the column
    (`present`: raw_columns()), else a typed NULL under that name. -#}
{% macro optional_column(present, name, data_type) -%}
    {%- if name in present -%}
        cast({{ name }} as {{ data_type }}) as {{ name }}
    {%- else -%}
        cast(null as {{ data_type }}) as {{ name }}
    {%- endif -%}
{%- endmacro %}
