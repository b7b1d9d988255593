{%- set columns = [
    ['qpv_code', 'varchar'], ['population', 'integer'], ['young_population', 'integer'],
    ['source_file', 'varchar'], ['is_official', 'boolean'],
] -%}

with source as (
    {{ source_or_empty('raw', 'qpv_population', columns) }}
)

select
    {{ cast_columns(columns) }}
from source
