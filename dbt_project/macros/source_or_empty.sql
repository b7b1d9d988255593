{#-
    Select the given columns from a raw source table, or an empty typed relation when the
    table does not exist yet (e.g. raw.qpv_population is optional, raw.partner_rows may not
    have been created before the first return). `source()` is always called so that the
    lineage (and the Dagster dependency) is recorded at parse time.

    columns: list of [name, type] pairs.
    row_number_as: optional column name exposing the physical row order of the table
    (DuckDB's rowid, i.e. insertion order), used where "first row" carries meaning.
-#}
{% macro source_or_empty(source_name, table_name, columns, row_number_as=none) -%}
    {%- set src = source(source_name, table_name) -%}
    {%- set relation = none -%}
    {%- if execute -%}
        {%- set relation = adapter.get_relation(
            database=src.database, schema=src.schema, identifier=src.identifier
        ) -%}
    {%- endif -%}
    {%- if relation is not none %}
    select
        {%- for column in columns %}
        {{ adapter.quote(column[0]) }}{{ "," if not loop.last or row_number_as }}
        {%- endfor %}
        {%- if row_number_as %}
            {%- if relation.type == 'table' %}
        rowid as {{ row_number_as }}
            {%- else %}
        row_number() over () as {{ row_number_as }}
            {%- endif %}
        {%- endif %}
    from {{ src }}
    {%- else %}
    select
        {%- for column in columns %}
        cast(null as {{ column[1] }}) as {{ adapter.quote(column[0]) }}{{ "," if not loop.last or row_number_as }}
        {%- endfor %}
        {%- if row_number_as %}
        cast(null as bigint) as {{ row_number_as }}
        {%- endif %}
    where false
    {%- endif %}
{%- endmacro %}
