-- Latest funding line per grant file × funder: for each grant file (campaign_year, scheme,
-- grant_file), the lines of the newest funding export file that contains it (received_at,
-- then ingested_at, then file_hash), withdrawn files excluded. A funder that disappears from
-- a newer export disappears here too.

with lines as (
    {{ rows_in_force(ref('stg_raw__funding_lines')) }}
),

newest_files as (
    {{ newest_file_per_grant_file('lines') }}
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
    inner join newest_files
        on
            lines.campaign_year = newest_files.campaign_year
            and lines.scheme = newest_files.scheme
            and lines.grant_file = newest_files.grant_file
            and lines.file_hash = newest_files.file_hash
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
