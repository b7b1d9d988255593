{#-
    Select the given columns from a raw source table, or an empty typed relation when the
    table does not exist yet (e.g. before the first ingestion, or raw.qpv_population when no
    population file is configured). `source()` is always called so that the lineage (and the
    Dagster dependency) is recorded at parse time.

    columns: list of [name, type] or [name, type, 'optional'] entries. An optional column
    absent from the table reads as NULL (columns beyond docs/warehouse.md); a required column
    absent from an existing table is an error of the interface and fails loudly.
    row_number_as: optional name of a column exposing the table's row order (DuckDB's rowid,
    i.e. insertion order), used where "the first row" carries meaning.
-#}
{% macro source_or_empty(source_name, table_name, columns, row_number_as=none) -%}
    {%- set src = source(source_name, table_name) -%}
    {%- set relation = none -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- set relation = adapter.get_relation(
            database=src.database, schema=src.schema, identifier=src.identifier
        ) -%}
        {%- if relation is not none -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- do present.append(column.name | lower) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {%- if relation is not none %}
    select
        {%- for column in columns %}
            {%- if column | length > 2 and column[0] not in present %}
        cast(null as {{ column[1] }}) as {{ column[0] }}
            {%- else %}
        {{ column[0] }}
            {%- endif %}{{ "," if not loop.last or row_number_as }}
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
        cast(null as {{ column[1] }}) as {{ column[0] }}{{ "," if not loop.last or row_number_as }}
        {%- endfor %}
        {%- if row_number_as %}
        cast(null as bigint) as {{ row_number_as }}
        {%- endif %}
    where false
    {%- endif %}
{%- endmacro %}

{#- The select list of a staging view: every column cast to its type, one per line. -#}
{% macro cast_columns(columns) -%}
    {%- for column in columns -%}
        cast({{ column[0] }} as {{ column[1] }}) as {{ column[0] }}{{ ",\n    " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
