-- Organisations involved in each latest action: its porteur and its partners (one row per
-- action × organisation), with the action's territory. Nodes of the cooperation network.

with members as (
    select
        action_id,
        porteur_org_id as org_id,
        'porteur' as org_side
    from {{ ref('int_actions_versioned') }}

    union all

    select
        action_id,
        partner_org_id as org_id,
        'partenaire' as org_side
    from {{ ref('int_partners_versioned') }}
)

select
    members.action_id,
    actions.campaign_year,
    actions.scheme,
    located.department_code,
    located.region_code,
    located.attached_commune_code,
    located.attached_epci_siren,
    members.org_id,
    members.org_side
from members
inner join {{ ref('int_actions_versioned') }} as actions
    on members.action_id = actions.action_id
inner join {{ ref('int_actions_located') }} as located
    on members.action_id = located.action_id
