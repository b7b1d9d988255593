-- Partners of the latest version of each action, joined by key (campaign_year, scheme,
-- grant_file) whatever file they came in: the same workbook as the action, a companion CSV,
-- or a later file. Partner lists have versions of their own, ruled as actions are: for each
-- grant file, the partner rows of the newest file holding partners for it (received_at, then
-- ingested_at, then file_hash), withdrawn files excluded; older lists stay in raw.
-- One row per (action, partner organisation); a partner listed twice for one action is kept
-- once with its roles ';'-joined (sorted), its name and category from its first line. A
-- porteur listed as its own partner is not a partnership and is left out.

with rows_in_force as (
    {{ rows_in_force(ref('stg_raw__partners')) }}
),

newest_lists as (
    {{ newest_file_per_grant_file('rows_in_force') }}
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
    -- string_agg(distinct role, ';' order by role) in one pass: the distinct aggregate would
    -- group the rows a second time
    list_aggregate(list_sort(list_distinct(list(role))), 'string_agg', ';') as role
from partner_rows
where partner_org_id != porteur_org_id
group by action_id, campaign_year, scheme, grant_file, porteur_org_id, partner_org_id
