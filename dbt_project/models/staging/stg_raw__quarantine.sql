{%- set columns = [
    ['file_hash', 'varchar'], ['file_name', 'varchar'], ['sheet', 'varchar'], ['line', 'integer'],
    ['kind', 'varchar'], ['rule', 'varchar'], ['field', 'varchar'], ['value', 'varchar'],
    ['reason', 'varchar'], ['received_at', 'timestamp'], ['ingested_at', 'timestamp'],
] -%}

with source as (
    {{ source_or_empty('raw', 'quarantine', columns) }}
)

select
    {%- for column in columns %}
    cast({{ adapter.quote(column[0]) }} as {{ column[1] }}) as {{ column[0] }}{{ "," if not loop.last }}
    {%- endfor %}
from source
