{#- Input-output links between 2-digit industries (CONTRACT reference/io_links),
    typed: supplier_industry_code supplies industry_code with input_coefficient
    (a non-numeric coefficient becomes NULL). -#}
with source_rows as (
    select * from {{ read_raw('reference', 'io_links') }}
)

select
    cast(industry_code as varchar) as industry_code,
    cast(supplier_industry_code as varchar) as supplier_industry_code,
    try_cast(input_coefficient as double) as input_coefficient
from source_rows
