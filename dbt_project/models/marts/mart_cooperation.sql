-- Cooperative partnerships per territory × campaign year × scheme (see _marts__models.yml).

with spine as (
    select * from {{ ref('int_territory_campaigns_crossed') }}
),

actions as (
    select
        fct_actions.*,
        coalesce(grant_files.is_cofunded, false) as is_cofunded
    from {{ ref('fct_actions') }} as fct_actions
    left join {{ ref('int_grant_files_joined') }} as grant_files
        on fct_actions.action_id = grant_files.action_id
),

-- The action and funding measures are summed per place (commune, EPCI, département, région)
-- before the roll-up, which then adds up a few rows per place rather than one per action.
action_places as (
    select
        {{ rollup_place_columns() }},
        count(*) as actions,
        sum(partner_count) as partnership_links,
        count(*) filter (where partner_count >= 2) as actions_2plus_partners,
        count(*) filter (where partner_count >= 4) as actions_4plus_partners,
        count(*) filter (where has_funding) as funded_actions,
        count(*) filter (where has_funding and is_cofunded) as cofunded_actions
    from actions
    group by all
),

action_measures as (
    select
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        sum(actions) as actions,
        sum(partnership_links) as partnership_links,
        sum(actions_2plus_partners) as actions_2plus_partners,
        sum(actions_4plus_partners) as actions_4plus_partners,
        sum(funded_actions) as funded_actions,
        sum(cofunded_actions) as cofunded_actions
    from ({{ territory_rollup('action_places', levels=all_territory_levels()) }}) as rolled
    group by territory_level, territory_code, campaign_year, rollup_scheme
),

lines as (
    select * from {{ ref('fct_funding_lines') }}
),

line_places as (
    select
        {{ rollup_place_columns() }},
        sum({{ money('amount_granted') }}) filter (where funder = 'etat_politique_ville') as granted_state_pv,
        sum({{ money('amount_granted') }}) filter (where {{ is_other_funder('funder') }}) as granted_other
    from lines
    group by all
),

funding_measures as (
    select
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        coalesce(sum(granted_state_pv), 0) as granted_state_pv,
        coalesce(sum(granted_other), 0) as granted_other
    from ({{ territory_rollup('line_places', levels=all_territory_levels()) }}) as rolled
    group by territory_level, territory_code, campaign_year, rollup_scheme
),

members as (
    select * from {{ ref('int_action_organisations_unioned') }}
),

-- Organisations numbered once, so that the distinct counts below hash small integers rather
-- than long identifiers (the numbering is arbitrary: only counts come out of it).
organisation_keys as (
    select
        org_id,
        row_number() over () as org_key
    from (select distinct org_id from members) as organisations
),

-- One row per organisation and action place: the same organisation on several actions of a
-- commune counts once anyway, and the roll-up below multiplies its input tenfold.
member_places as (
    select distinct
        {{ rollup_place_columns('members') }},
        organisation_keys.org_key
    from members
    inner join organisation_keys
        on members.org_id = organisation_keys.org_id
),

node_measures as (
    select
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        count(distinct org_key) as organisations
    from ({{ territory_rollup('member_places', levels=all_territory_levels()) }}) as rolled
    group by territory_level, territory_code, campaign_year, rollup_scheme
),

pairs as (
    select * from {{ ref('int_action_organisations_paired') }}
),

-- One row per link (org_a, org_b) and action place, with the organisations' numbers (every
-- organisation of a pair is a member of its action).
pair_places as (
    select distinct
        {{ rollup_place_columns('pairs') }},
        org_a_keys.org_key as org_a_key,
        org_b_keys.org_key as org_b_key
    from pairs
    inner join organisation_keys as org_a_keys
        on pairs.org_a = org_a_keys.org_id
    inner join organisation_keys as org_b_keys
        on pairs.org_b = org_b_keys.org_id
),

link_measures as (
    select
        territory_level,
        territory_code,
        campaign_year,
        scheme,
        count(*) as network_links
    from (
        select distinct
            territory_level,
            territory_code,
            campaign_year,
            rollup_scheme as scheme,
            org_a_key,
            org_b_key
        from ({{ territory_rollup('pair_places', levels=all_territory_levels()) }}) as rolled
    ) as links
    group by territory_level, territory_code, campaign_year, scheme
),

partnerships as (
    select * from {{ ref('fct_partnerships') }}
),

-- Each (porteur, partner) couple numbered once, for the same reason as organisation_keys.
partnership_keys as (
    select
        porteur_org_id,
        partner_org_id,
        row_number() over () as partnership_key
    from (
        select distinct
            porteur_org_id,
            partner_org_id
        from partnerships
    ) as couples
),

partnership_places as (
    select distinct
        {{ rollup_place_columns('partnerships') }},
        partnership_keys.partnership_key
    from partnerships
    inner join partnership_keys
        on
            partnerships.porteur_org_id = partnership_keys.porteur_org_id
            and partnerships.partner_org_id = partnership_keys.partner_org_id
),

partnership_pairs as (
    select distinct
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        partnership_key
    from ({{ territory_rollup('partnership_places', levels=all_territory_levels()) }}) as rolled
),

-- campaigns (per scheme key) that have returns: without them, "renewed" has no meaning
campaigns_with_actions as (
    select distinct
        campaign_year,
        scheme
    from {{ ref('fct_actions') }}
    union
    select distinct
        campaign_year,
        'ALL' as scheme
    from {{ ref('fct_actions') }}
),

renewal_measures as (
    select
        current_pairs.territory_level,
        current_pairs.territory_code,
        current_pairs.campaign_year,
        current_pairs.scheme,
        count(*) as distinct_partnerships,
        count(previous_pairs.partnership_key) as renewed_partnerships
    from partnership_pairs as current_pairs
    left join partnership_pairs as previous_pairs
        on
            current_pairs.territory_level = previous_pairs.territory_level
            and current_pairs.territory_code = previous_pairs.territory_code
            and current_pairs.scheme = previous_pairs.scheme
            and current_pairs.partnership_key = previous_pairs.partnership_key
            and current_pairs.campaign_year - 1 = previous_pairs.campaign_year
    group by
        current_pairs.territory_level,
        current_pairs.territory_code,
        current_pairs.campaign_year,
        current_pairs.scheme
),

combined as (
    select
        spine.territory_level,
        spine.territory_code,
        spine.territory_name,
        spine.campaign_year,
        spine.scheme,
        coalesce(action_measures.actions, 0) as actions,
        coalesce(action_measures.partnership_links, 0) as partnership_links,
        coalesce(action_measures.actions_2plus_partners, 0) as actions_2plus_partners,
        coalesce(action_measures.actions_4plus_partners, 0) as actions_4plus_partners,
        coalesce(action_measures.funded_actions, 0) as funded_actions,
        coalesce(action_measures.cofunded_actions, 0) as cofunded_actions,
        funding_measures.granted_state_pv,
        funding_measures.granted_other,
        coalesce(node_measures.organisations, 0) as organisations,
        coalesce(link_measures.network_links, 0) as network_links,
        previous_campaign.campaign_year is not null as previous_campaign_known,
        coalesce(renewal_measures.distinct_partnerships, 0) as distinct_partnerships,
        coalesce(renewal_measures.renewed_partnerships, 0) as renewed_partnerships
    from spine
    left join action_measures
        on {{ same_cell('spine', 'action_measures') }}
    left join funding_measures
        on {{ same_cell('spine', 'funding_measures') }}
    left join node_measures
        on {{ same_cell('spine', 'node_measures') }}
    left join link_measures
        on {{ same_cell('spine', 'link_measures') }}
    left join renewal_measures
        on {{ same_cell('spine', 'renewal_measures') }}
    left join campaigns_with_actions as previous_campaign
        on
            spine.campaign_year - 1 = previous_campaign.campaign_year
            and spine.scheme = previous_campaign.scheme
)

select
    cast(territory_level as varchar) as territory_level,
    cast(territory_code as varchar) as territory_code,
    cast(territory_name as varchar) as territory_name,
    cast(campaign_year as integer) as campaign_year,
    cast(scheme as varchar) as scheme,
    cast(actions as bigint) as actions,
    cast(partnership_links as bigint) as partnership_links,
    {{ safe_divide('partnership_links', 'actions') }} as partners_per_action,
    {{ safe_divide('actions_2plus_partners', 'actions') }} as share_actions_2plus_partners,
    {{ safe_divide('actions_4plus_partners', 'actions') }} as share_actions_4plus_partners,
    cast(cofunded_actions as bigint) as cofunded_actions,
    {{ safe_divide('cofunded_actions', 'funded_actions') }} as cofunded_share,
    {{ safe_divide('granted_other', 'granted_state_pv') }} as leverage,
    cast(organisations as bigint) as organisations,
    cast(network_links as bigint) as network_links,
    {{ safe_divide('network_links', 'organisations * (organisations - 1) / 2') }} as network_density,
    cast(case when previous_campaign_known then renewed_partnerships end as bigint) as renewed_partnerships,
    cast(
        case when previous_campaign_known then distinct_partnerships - renewed_partnerships end as bigint
    ) as new_partnerships,
    cast(actions_2plus_partners as bigint) as actions_2plus_partners,
    cast(actions_4plus_partners as bigint) as actions_4plus_partners,
    cast(funded_actions as bigint) as funded_actions
from combined
