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

ranked_files as (
    select
        campaign_year,
        scheme,
        grant_file,
        file_hash,
        row_number() over (
            partition by campaign_year, scheme, grant_file
            order by received_at desc nulls last, ingested_at desc nulls last, file_hash desc
        ) as file_rank
    from file_versions
),

newest_lines as (
    select
        lines.*,
        -- a funder repeated within one export for the same grant file: its last line wins
        row_number() over (
            partition by lines.campaign_year, lines.scheme, lines.grant_file, lines.funder
            order by lines.sheet desc nulls last, lines.line desc nulls last
        ) as funder_rank
    from lines
    inner join ranked_files
        on
            lines.campaign_year = ranked_files.campaign_year
            and lines.scheme = ranked_files.scheme
            and lines.grant_file = ranked_files.grant_file
            and lines.file_hash = ranked_files.file_hash
    where ranked_files.file_rank = 1
)

select
    campaign_year || '|' || scheme || '|' || grant_file as action_id,
    campaign_year,
    scheme,
    grant_file,
    action_title,
    porteur_name,
    porteur_siret,
    funder,
    amount_requested,
    amount_granted,
    department_code,
    file_hash,
    file_name,
    received_at
from newest_lines
where funder_rank = 1
