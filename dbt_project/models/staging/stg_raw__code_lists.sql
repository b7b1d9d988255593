{%- set columns = [
    ['list_name', 'varchar'], ['code', 'varchar'], ['label', 'varchar'],
] -%}

with source as (
    {{ source_or_empty('raw', 'code_lists', columns) }}
)

select
    {{ cast_columns(columns) }}
from source
