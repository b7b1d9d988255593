{%- set columns = [
    ['file_hash', 'varchar'], ['file_name', 'varchar'], ['size_bytes', 'bigint'],
    ['received_at', 'timestamp'], ['ingested_at', 'timestamp'], ['status', 'varchar'],
    ['kinds', 'varchar'], ['rows_read', 'integer'], ['rows_accepted', 'integer'],
    ['rows_quarantined', 'integer'], ['dropped_columns', 'varchar'], ['extra_columns', 'varchar'],
    ['retracted_at', 'timestamp'],
] -%}

with source as (
    {{ source_or_empty('raw', 'files', columns) }}
)

select
    {%- for column in columns %}
    cast({{ adapter.quote(column[0]) }} as {{ column[1] }}) as {{ column[0] }}{{ "," if not loop.last }}
    {%- endfor %}
from source
