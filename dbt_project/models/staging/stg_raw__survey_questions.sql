{%- set columns = [
    ['questionnaire', 'varchar'], ['questionnaire_title', 'varchar'], ['campaign', 'varchar'],
    ['wave', 'integer'], ['campaign_year', 'integer'], ['position', 'integer'],
    ['question_code', 'varchar'], ['question_label', 'varchar'], ['kind', 'varchar'],
    ['group_code', 'varchar'], ['group_label', 'varchar'], ['returns_link', 'boolean'],
] -%}

with source as (
    {{ source_or_empty('raw', 'survey_questions', columns) }}
)

select
    {{ cast_columns(columns) }}
from source
