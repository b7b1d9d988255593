{#- One row per (QPV, commune) of the referential. referential_row is the table's row order
    (DuckDB rowid = insertion order): the first commune of a QPV is its main commune. -#}
{%- set columns = [
    ['generation', 'integer'], ['qpv_code', 'varchar'], ['qpv_name', 'varchar'],
    ['commune_code', 'varchar'], ['commune_name', 'varchar'], ['department_code', 'varchar'],
    ['department_name', 'varchar'], ['region_code', 'varchar'], ['region_name', 'varchar'],
    ['epci_siren', 'varchar'], ['epci_name', 'varchar'], ['is_official', 'boolean'],
    ['source_file', 'varchar'],
] -%}

with source as (
    {{ source_or_empty('raw', 'qpv_referential', columns, row_number_as='referential_row') }}
)

select
    {{ cast_columns(columns) }},
    cast(referential_row as bigint) as referential_row
from source
