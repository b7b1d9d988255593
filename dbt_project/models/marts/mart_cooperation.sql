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

action_measures as (
    select
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        count(*) as actions,
        sum(partner_count) as partnership_links,
        count(*) filter (where partner_count >= 2) as actions_2plus_partners,
        count(*) filter (where partner_count >= 4) as actions_4plus_partners,
        count(*) filter (where has_funding) as funded_actions,
        count(*) filter (where has_funding and is_cofunded) as cofunded_actions
    from ({{ territory_rollup('actions', levels=all_territory_levels()) }}) as rolled
    group by territory_level, territory_code, campaign_year, rollup_scheme
),

lines as (
    select
        *,
        {{ money('amount_requested') }} as requested,
        {{ money('amount_granted') }} as granted
    from {{ ref('fct_funding_lines') }}
),

funding_measures as (
    select
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        coalesce(sum(granted) filter (where funder = 'etat_politique_ville'), 0) as granted_state_pv,
        coalesce(sum(granted) filter (where {{ is_other_funder('funder') }}), 0) as granted_other
    from ({{ territory_rollup('lines', levels=all_territory_levels()) }}) as rolled
    group by territory_level, territory_code, campaign_year, rollup_scheme
),

members as (
    select * from {{ ref('int_action_organisations_unioned') }}
),

node_measures as (
    select
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        count(distinct org_id) as organisations
    from ({{ territory_rollup('members', levels=all_territory_levels()) }}) as rolled
    group by territory_level, territory_code, campaign_year, rollup_scheme
),

pairs as (
    select * from {{ ref('int_action_organisations_paired') }}
),

link_measures as (
    select
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        count(distinct org_a || '|' || org_b) as network_links
    from ({{ territory_rollup('pairs', levels=all_territory_levels()) }}) as rolled
    group by territory_level, territory_code, campaign_year, rollup_scheme
),

partnerships as (
    select * from {{ ref('fct_partnerships') }}
),

partnership_pairs as (
    select distinct
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        porteur_org_id,
        partner_org_id
    from ({{ territory_rollup('partnerships', levels=all_territory_levels()) }}) as rolled
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
        count(previous_pairs.porteur_org_id) as renewed_partnerships
    from partnership_pairs as current_pairs
    left join partnership_pairs as previous_pairs
        on
            current_pairs.territory_level = previous_pairs.territory_level
            and current_pairs.territory_code = previous_pairs.territory_code
            and current_pairs.scheme = previous_pairs.scheme
            and current_pairs.porteur_org_id = previous_pairs.porteur_org_id
            and current_pairs.partner_org_id = previous_pairs.partner_org_id
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
