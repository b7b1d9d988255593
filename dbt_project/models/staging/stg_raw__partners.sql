{%- set columns = [
    ['campaign_year', 'integer'], ['scheme', 'varchar'], ['grant_file', 'varchar'],
    ['partner_name', 'varchar'], ['partner_siret', 'varchar'], ['partner_category', 'varchar'],
    ['role', 'varchar'],
    ['file_hash', 'varchar'], ['file_name', 'varchar'], ['sheet', 'varchar'], ['line', 'integer'],
    ['received_at', 'timestamp'], ['ingested_at', 'timestamp'],
] -%}

with source as (
    {{ source_or_empty('raw', 'partner_rows', columns) }}
)

select
    {{ cast_columns(columns) }}
from source
