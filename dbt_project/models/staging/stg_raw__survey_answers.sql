{%- set columns = [
    ['file_hash', 'varchar'], ['file_name', 'varchar'], ['sheet', 'varchar'], ['line', 'integer'],
    ['received_at', 'timestamp'], ['ingested_at', 'timestamp'],
    ['questionnaire', 'varchar'], ['question_code', 'varchar'], ['option_code', 'varchar'],
    ['value_number', 'double'], ['value_text', 'varchar'],
] -%}

with source as (
    {{ source_or_empty('raw', 'survey_answers', columns) }}
)

select
    {{ cast_columns(columns) }}
from source
