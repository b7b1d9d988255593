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

-- The measures are summed per place (commune, EPCI, département, région) before the roll-up,
-- which then adds up a few rows per place rather than one per line or action. A grant file
-- lies in one place (its int_grant_files_joined row), so its distinct count adds up too.
line_places as (
    select
        {{ rollup_place_columns() }},
        count(distinct action_id) as grant_files,
        sum(requested) as amount_requested,
        sum(granted) as amount_granted,
        sum(granted) filter (where funder = 'etat_politique_ville') as granted_state_pv,
        sum(granted) filter (where funder = 'etat_autre') as granted_state_other,
        sum(granted) filter (where funder = 'fonds_propres') as granted_own_funds,
        sum(granted) filter (where {{ is_other_funder('funder') }}) as granted_other
    from lines
    group by all
),

funding_measures as (
    select
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        sum(grant_files) as grant_files,
        sum(amount_requested) as amount_requested,
        sum(amount_granted) as amount_granted,
        coalesce(sum(granted_state_pv), 0) as granted_state_pv,
        coalesce(sum(granted_state_other), 0) as granted_state_other,
        coalesce(sum(granted_own_funds), 0) as granted_own_funds,
        coalesce(sum(granted_other), 0) as granted_other
    from ({{ territory_rollup('line_places', levels=all_territory_levels()) }}) as rolled
    group by territory_level, territory_code, campaign_year, rollup_scheme
),

actions as (
    select * from {{ ref('fct_actions') }}
),

action_places as (
    select
        {{ rollup_place_columns() }},
        count(*) as actions,
        sum({{ money('realised_cost') }}) as realised_cost,
        sum(participants) as participations,
        sum(young_participations) as young_participations,
        sum({{ money('realised_cost') }}) filter (where realised_cost is not null) as costed_realised_cost,
        sum(participants) filter (where realised_cost is not null) as costed_participations,
        sum(young_participations) filter (where realised_cost is not null) as costed_young_participations
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
        sum(realised_cost) as realised_cost,
        sum(participations) as participations,
        sum(young_participations) as young_participations,
        sum(costed_realised_cost) as costed_realised_cost,
        sum(costed_participations) as costed_participations,
        sum(costed_young_participations) as costed_young_participations
    from ({{ territory_rollup('action_places', levels=all_territory_levels()) }}) as rolled
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
