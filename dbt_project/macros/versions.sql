{#- Rows of a raw relation that can count: their file was not withdrawn and their grant-file
    key is complete. Actions, partners and funding lines follow the same rule. -#}
{% macro rows_in_force(relation) -%}
    select rows_of_files.*
    from {{ relation }} as rows_of_files
    left join {{ ref('stg_raw__files') }} as files
        on rows_of_files.file_hash = files.file_hash
    where
        files.retracted_at is null
        and rows_of_files.grant_file is not null
        and rows_of_files.campaign_year is not null
        and rows_of_files.scheme is not null
{%- endmacro %}

{#- For each grant file (campaign_year, scheme, grant_file), the newest file among `rows`
    holding it: latest received_at, then ingested_at, then file_hash (a deterministic
    tie-break). One row per grant file: its key and that file_hash. -#}
{% macro newest_file_per_grant_file(rows) -%}
    select
        campaign_year,
        scheme,
        grant_file,
        file_hash
    from {{ rows }}
    group by campaign_year, scheme, grant_file, file_hash
    qualify row_number() over (
        partition by campaign_year, scheme, grant_file
        order by max(received_at) desc nulls last, max(ingested_at) desc nulls last, file_hash desc
    ) = 1
{%- endmacro %}
