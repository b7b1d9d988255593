{#- rows_ignored, report_path, retraction_reason: written by the ingestion assets beyond
    docs/warehouse.md, read as NULL when absent. -#}
{%- set columns = [
    ['file_hash', 'varchar'], ['file_name', 'varchar'], ['size_bytes', 'bigint'],
    ['received_at', 'timestamp'], ['ingested_at', 'timestamp'], ['status', 'varchar'],
    ['kinds', 'varchar'], ['rows_read', 'integer'], ['rows_accepted', 'integer'],
    ['rows_quarantined', 'integer'], ['dropped_columns', 'varchar'], ['extra_columns', 'varchar'],
    ['retracted_at', 'timestamp'],
    ['rows_ignored', 'integer', 'optional'], ['report_path', 'varchar', 'optional'],
    ['retraction_reason', 'varchar', 'optional'],
] -%}

with source as (
    {{ source_or_empty('raw', 'files', columns) }}
)

select
    {{ cast_columns(columns) }}
from source
