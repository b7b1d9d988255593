-- Funding per territory × campaign year × scheme (see _marts__models.yml).

with spine as (
    select * from {{ ref('int_territory_campaigns_crossed') }}
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
        count(distinct action_id) as grant_files,
        sum(requested) as amount_requested,
        sum(granted) as amount_granted,
        coalesce(sum(granted) filter (where funder = 'etat_politique_ville'), 0) as granted_state_pv,
        coalesce(sum(granted) filter (where funder = 'etat_autre'), 0) as granted_state_other,
        coalesce(sum(granted) filter (where funder = 'fonds_propres'), 0) as granted_own_funds,
        coalesce(sum(granted) filter (where {{ is_other_funder('funder') }}), 0) as granted_other
    from ({{ territory_rollup('lines', levels=all_territory_levels()) }}) as rolled
    group by territory_level, territory_code, campaign_year, rollup_scheme
),

actions as (
    select * from {{ ref('fct_actions') }}
),

action_measures as (
    select
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        count(*) as actions,
        sum({{ money('realised_cost') }}) as realised_cost,
        sum(participants) as participations,
        sum(young_participations) as young_participations,
        sum({{ money('realised_cost') }}) filter (where realised_cost is not null) as costed_realised_cost,
        sum(participants) filter (where realised_cost is not null) as costed_participations,
        sum(young_participations) filter (where realised_cost is not null) as costed_young_participations
    from ({{ territory_rollup('actions', levels=all_territory_levels()) }}) as rolled
    group by territory_level, territory_code, campaign_year, rollup_scheme
)

select
    cast(spine.territory_level as varchar) as territory_level,
    cast(spine.territory_code as varchar) as territory_code,
    cast(spine.territory_name as varchar) as territory_name,
    cast(spine.campaign_year as integer) as campaign_year,
    cast(spine.scheme as varchar) as scheme,
    cast(coalesce(funding_measures.grant_files, 0) as bigint) as grant_files,
    cast(coalesce(funding_measures.amount_requested, 0) as double) as amount_requested,
    cast(coalesce(funding_measures.amount_granted, 0) as double) as amount_granted,
    cast(coalesce(funding_measures.granted_state_pv, 0) as double) as granted_state_pv,
    cast(coalesce(funding_measures.granted_other, 0) as double) as granted_other,
    cast(coalesce(funding_measures.granted_state_other, 0) as double) as granted_state_other,
    cast(coalesce(funding_measures.granted_own_funds, 0) as double) as granted_own_funds,
    cast(
        case when action_measures.actions is null then 0 else action_measures.realised_cost end
        as double
    ) as realised_cost,
    cast(coalesce(action_measures.participations, 0) as bigint) as participations,
    cast(coalesce(action_measures.young_participations, 0) as bigint) as young_participations,
    {{ safe_divide('action_measures.costed_realised_cost', 'action_measures.costed_participations') }}
        as cost_per_participation,
    {{ safe_divide('action_measures.costed_realised_cost', 'action_measures.costed_young_participations') }}
        as cost_per_young_participation,
    cast(coalesce(action_measures.costed_participations, 0) as bigint) as costed_participations,
    cast(coalesce(action_measures.costed_young_participations, 0) as bigint) as costed_young_participations
from spine
left join funding_measures
    on {{ same_cell('spine', 'funding_measures') }}
left join action_measures
    on {{ same_cell('spine', 'action_measures') }}
