{%- set columns = [
    ['campaign_year', 'integer'], ['scheme', 'varchar'], ['grant_file', 'varchar'],
    ['action_title', 'varchar'], ['porteur_siret', 'varchar'], ['porteur_name', 'varchar'],
    ['porteur_category', 'varchar'], ['theme', 'varchar'], ['start_date', 'date'],
    ['end_date', 'date'], ['qpv_codes', 'varchar'], ['commune_code', 'varchar'],
    ['sessions', 'integer'], ['participants', 'integer'], ['qpv_residents', 'integer'],
    ['girls', 'integer'], ['boys', 'integer'], ['age_0_5', 'integer'], ['age_6_11', 'integer'],
    ['age_12_17', 'integer'], ['age_18_25', 'integer'], ['age_26_59', 'integer'],
    ['age_60_plus', 'integer'], ['realised_cost', 'double'], ['comment', 'varchar'],
    ['file_hash', 'varchar'], ['file_name', 'varchar'], ['sheet', 'varchar'], ['line', 'integer'],
    ['received_at', 'timestamp'], ['ingested_at', 'timestamp'],
] -%}

with source as (
    {{ source_or_empty('raw', 'activity_rows', columns) }}
)

select
    {{ cast_columns(columns) }}
from source
