{%- set columns = [
    ['questionnaire', 'varchar'], ['question_code', 'varchar'], ['position', 'integer'],
    ['option_code', 'varchar'], ['option_label', 'varchar'], ['score', 'double'],
] -%}

with source as (
    {{ source_or_empty('raw', 'survey_options', columns) }}
)

select
    {{ cast_columns(columns) }}
from source
