{%- set columns = [
    ['list_name', 'varchar'], ['code', 'varchar'], ['label', 'varchar'],
] -%}

with source as (
    {{ source_or_empty('raw', 'code_lists', columns) }}
)

select
    {%- for column in columns %}
    cast({{ adapter.quote(column[0]) }} as {{ column[1] }}) as {{ column[0] }}{{ "," if not loop.last }}
    {%- endfor %}
from source
