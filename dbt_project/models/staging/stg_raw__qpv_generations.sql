{%- set columns = [
    ['generation', 'integer'], ['code_prefix', 'varchar'],
    ['first_campaign', 'integer'], ['first_campaign_overseas', 'integer'],
] -%}

with source as (
    {{ source_or_empty('raw', 'qpv_generations', columns) }}
)

select
    {{ cast_columns(columns) }}
from source
