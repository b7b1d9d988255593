{%- set columns = [
    ['qpv_code', 'varchar'], ['population', 'integer'], ['young_population', 'integer'],
    ['source_file', 'varchar'], ['is_official', 'boolean'],
] -%}

with source as (
    {{ source_or_empty('raw', 'qpv_population', columns) }}
)

select
    {%- for column in columns %}
    cast({{ adapter.quote(column[0]) }} as {{ column[1] }}) as {{ column[0] }}{{ "," if not loop.last }}
    {%- endfor %}
from source
