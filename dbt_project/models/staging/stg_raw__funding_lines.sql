{%- set columns = [
    ['campaign_year', 'integer'], ['scheme', 'varchar'], ['grant_file', 'varchar'],
    ['action_title', 'varchar'], ['porteur_name', 'varchar'], ['porteur_siret', 'varchar'],
    ['funder', 'varchar'], ['amount_requested', 'double'], ['amount_granted', 'double'],
    ['department_code', 'varchar'],
    ['file_hash', 'varchar'], ['file_name', 'varchar'], ['sheet', 'varchar'], ['line', 'integer'],
    ['received_at', 'timestamp'], ['ingested_at', 'timestamp'],
] -%}

with source as (
    {{ source_or_empty('raw', 'funding_rows', columns) }}
)

select
    {{ cast_columns(columns) }}
from source
