{%- set columns = [
    ['file_hash', 'varchar'], ['file_name', 'varchar'], ['sheet', 'varchar'], ['line', 'integer'],
    ['kind', 'varchar'], ['rule', 'varchar'], ['field', 'varchar'], ['value', 'varchar'],
    ['reason', 'varchar'], ['received_at', 'timestamp'], ['ingested_at', 'timestamp'],
] -%}

with source as (
    {{ source_or_empty('raw', 'quarantine', columns) }}
)

select
    {{ cast_columns(columns) }}
from source
