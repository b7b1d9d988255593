-- Partners of the latest version of each action: the partner rows of the same file as the
-- winning action version. One row per (action, partner organisation); a partner listed twice
-- for one action is kept once with its roles ';'-joined (sorted), its name and category from
-- its first line. A porteur listed as its own partner is not a partnership and is left out.

with partner_rows as (
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
    from {{ ref('stg_raw__partners') }} as partners
    inner join {{ ref('int_actions_latest') }} as actions
        on
            partners.file_hash = actions.file_hash
            and partners.campaign_year = actions.campaign_year
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
