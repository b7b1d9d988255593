{%- set columns = [
    ['file_hash', 'varchar'], ['file_name', 'varchar'], ['sheet', 'varchar'], ['line', 'integer'],
    ['received_at', 'timestamp'], ['ingested_at', 'timestamp'],
    ['questionnaire', 'varchar'], ['wave', 'integer'], ['campaign_year', 'integer'],
    ['response_id', 'varchar'], ['porteur_siret', 'varchar'], ['department_code', 'varchar'],
    ['porteur_category', 'varchar'], ['submitted_at', 'date'],
] -%}

with source as (
    {{ source_or_empty('raw', 'survey_respondents', columns) }}
)

select
    {{ cast_columns(columns) }}
from source
