-- Latest funding line per grant file × funder: for each grant file (campaign_year, scheme,
-- grant_file), the lines of the newest funding export file that contains it (received_at,
-- then ingested_at, then file_hash), withdrawn files excluded. A funder that disappears from
-- a newer export disappears here too.

with current_files as (
    select
        file_hash,
        retracted_at
    from {{ ref('stg_raw__files') }}
),

lines as (
    select funding.*
    from {{ ref('stg_raw__funding_lines') }} as funding
    left join current_files
        on funding.file_hash = current_files.file_hash
    where
        current_files.retracted_at is null
        and funding.grant_file is not null
        and funding.campaign_year is not null
        and funding.scheme is not null
),

file_versions as (
    select
        campaign_year,
        scheme,
        grant_file,
        file_hash,
        max(received_at) as received_at,
        max(ingested_at) as ingested_at
    from lines
    group by campaign_year, scheme, grant_file, file_hash
),

newest_files as (
    select
        campaign_year,
        scheme,
        grant_file,
        file_hash
    from file_versions
    qualify row_number() over (
        partition by campaign_year, scheme, grant_file
        order by received_at desc nulls last, ingested_at desc nulls last, file_hash desc
    ) = 1
)

select
    lines.campaign_year || '|' || lines.scheme || '|' || lines.grant_file as action_id,
    lines.campaign_year,
    lines.scheme,
    lines.grant_file,
    lines.action_title,
    lines.porteur_name,
    lines.porteur_siret,
    lines.funder,
    lines.amount_requested,
    lines.amount_granted,
    lines.department_code,
    lines.file_hash,
    lines.file_name,
    lines.received_at
from lines
inner join newest_files
    on
        lines.campaign_year = newest_files.campaign_year
        and lines.scheme = newest_files.scheme
        and lines.grant_file = newest_files.grant_file
        and lines.file_hash = newest_files.file_hash
-- a funder repeated within one export for the same grant file: its last line wins
qualify row_number() over (
    partition by lines.campaign_year, lines.scheme, lines.grant_file, lines.funder
    order by lines.sheet desc nulls last, lines.line desc nulls last
) = 1
