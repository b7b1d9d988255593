-- Partners of the latest version of each action, joined by key (campaign_year, scheme,
-- grant_file) whatever file they came in: the same workbook as the action, a companion CSV,
-- or a later file. Partner lists have versions of their own, ruled as actions are: for each
-- grant file, the partner rows of the newest file holding partners for it (received_at, then
-- ingested_at, then file_hash), withdrawn files excluded; older lists stay in raw.
-- One row per (action, partner organisation); a partner listed twice for one action is kept
-- once with its roles ';'-joined (sorted), its name and category from its first line. A
-- porteur listed as its own partner is not a partnership and is left out.

with current_files as (
    select
        file_hash,
        retracted_at
    from {{ ref('stg_raw__files') }}
),

rows_in_force as (
    select partners.*
    from {{ ref('stg_raw__partners') }} as partners
    left join current_files
        on partners.file_hash = current_files.file_hash
    where
        current_files.retracted_at is null
        and partners.grant_file is not null
        and partners.campaign_year is not null
        and partners.scheme is not null
),

list_versions as (
    select
        campaign_year,
        scheme,
        grant_file,
        file_hash,
        max(received_at) as received_at,
        max(ingested_at) as ingested_at
    from rows_in_force
    group by campaign_year, scheme, grant_file, file_hash
),

newest_lists as (
    select
        campaign_year,
        scheme,
        grant_file,
        file_hash
    from list_versions
    qualify row_number() over (
            partition by campaign_year, scheme, grant_file
            order by received_at desc nulls last, ingested_at desc nulls last, file_hash desc
        ) = 1
),

partner_rows as (
    select
        actions.action_id,
        actions.campaign_year,
        actions.scheme,
        actions.grant_file,
        actions.porteur_org_id,
        {{ org_id('partners.partner_siret', 'partners.partner_name') }} as partner_org_id,
        partners.partner_name,
        partners.partner_siret,
        partners.partner_category,
        partners.role,
        partners.sheet,
        partners.line
    from rows_in_force as partners
    inner join newest_lists
        on
            partners.campaign_year = newest_lists.campaign_year
            and partners.scheme = newest_lists.scheme
            and partners.grant_file = newest_lists.grant_file
            and partners.file_hash = newest_lists.file_hash
    inner join {{ ref('int_actions_versioned') }} as actions
        on
            partners.campaign_year = actions.campaign_year
            and partners.scheme = actions.scheme
            and partners.grant_file = actions.grant_file
)

select
    action_id,
    campaign_year,
    scheme,
    grant_file,
    porteur_org_id,
    partner_org_id,
    arg_min(partner_name, line) as partner_name,
    arg_min(partner_siret, line) as partner_siret,
    arg_min(partner_category, line) as partner_category,
    string_agg(distinct role, ';' order by role) as role
from partner_rows
where partner_org_id != porteur_org_id
group by action_id, campaign_year, scheme, grant_file, porteur_org_id, partner_org_id
