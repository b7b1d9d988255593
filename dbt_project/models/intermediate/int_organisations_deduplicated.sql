-- One row per organisation (porteur or partner of a latest action). org_id is
-- 'siret:<SIRET>' when a SIRET was given, else 'nom:<normalised name>' (lower case, accents
-- stripped, non-alphanumeric runs collapsed to one space): see macro org_id.
-- Name and category are those of the most recent appearance (campaign year, then the porteur
-- side first, then received_at); org_category is a porteur category or a partner category.

with appearances as (
    select
        porteur_org_id as org_id,
        porteur_name as org_name,
        porteur_category as org_category,
        porteur_siret as org_siret,
        'porteur' as org_side,
        campaign_year,
        received_at,
        action_id
    from {{ ref('int_actions_versioned') }}

    union all

    select
        partners.partner_org_id as org_id,
        partners.partner_name as org_name,
        partners.partner_category as org_category,
        partners.partner_siret as org_siret,
        'partenaire' as org_side,
        partners.campaign_year,
        actions.received_at,
        partners.action_id
    from {{ ref('int_partners_versioned') }} as partners
    inner join {{ ref('int_actions_versioned') }} as actions
        on partners.action_id = actions.action_id
),

summary as (
    select
        org_id,
        count(distinct action_id) filter (where org_side = 'porteur') as actions_as_porteur,
        count(distinct action_id) filter (where org_side = 'partenaire') as actions_as_partner,
        min(campaign_year) as first_campaign_year,
        max(campaign_year) as last_campaign_year
    from appearances
    group by org_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by org_id
            order by
                campaign_year desc,
                case when org_side = 'porteur' then 0 else 1 end asc,
                received_at desc nulls last,
                org_name asc
        ) as appearance_rank
    from appearances
),

latest as (
    select *
    from ranked
    where appearance_rank = 1
)

select
    latest.org_id,
    latest.org_name,
    latest.org_category,
    latest.org_side as org_latest_side,
    case when latest.org_id like 'siret:%' then substr(latest.org_id, 7) end as org_siret,
    cast(summary.actions_as_porteur as integer) as actions_as_porteur,
    cast(summary.actions_as_partner as integer) as actions_as_partner,
    summary.first_campaign_year,
    summary.last_campaign_year
from latest
inner join summary
    on latest.org_id = summary.org_id
