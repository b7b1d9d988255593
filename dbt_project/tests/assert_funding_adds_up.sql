-- Financements (mart_funding, mart_funding_by_funder): amounts, grant files, realised cost
-- and participations of a territory are the sum of its children's along the territory tree;
-- the funders of a territory add up to its mart_funding amounts; the costs per
-- participation are recomputed from their own row's sums, at every level.

with funding_sums as (
    {{ hierarchy_mismatches(
        ref('mart_funding'),
        ['grant_files', 'amount_requested', 'amount_granted', 'granted_state_pv', 'granted_state_other',
         'granted_own_funds', 'granted_other', 'realised_cost', 'participations', 'young_participations', 'costed_participations',
         'costed_young_participations'],
        all_territory_levels(),
    ) }}
),

funder_sums as (
    {{ hierarchy_mismatches(
        ref('mart_funding_by_funder'),
        ['amount_requested', 'amount_granted'],
        all_territory_levels(),
        keys=['campaign_year', 'scheme', 'funder'],
    ) }}
),

funders_total as (
    select
        territory_level,
        territory_code,
        campaign_year,
        scheme,
        sum(amount_requested) as amount_requested,
        sum(amount_granted) as amount_granted
    from {{ ref('mart_funding_by_funder') }}
    group by territory_level, territory_code, campaign_year, scheme
),

funder_totals as (
    select
        funding.territory_level,
        funding.territory_code,
        funding.campaign_year,
        funding.scheme,
        concat_ws(
            ' ; ',
            case
                when {{ values_differ('funding.amount_requested', 'coalesce(funders_total.amount_requested, 0)') }}
                    then 'amount_requested ' || funding.amount_requested
            end,
            case
                when {{ values_differ('funding.amount_granted', 'coalesce(funders_total.amount_granted, 0)') }}
                    then 'amount_granted ' || funding.amount_granted
            end,
            -- the four funder groups (State PV, other State, own funds, other funders) partition it
            case
                when {{ values_differ(
                    'funding.amount_granted',
                    'funding.granted_state_pv + funding.granted_state_other'
                    ~ ' + funding.granted_own_funds + funding.granted_other'
                ) }}
                    then 'funder groups ' || funding.amount_granted
            end
        ) as mismatches
    from {{ ref('mart_funding') }} as funding
    left join funders_total
        on {{ same_cell('funding', 'funders_total') }}
),

ratios as (
    select
        territory_level,
        territory_code,
        campaign_year,
        scheme,
        {{ ratio_mismatches([
            ['cost_per_participation', 'realised_cost', 'costed_participations'],
            ['cost_per_young_participation', 'realised_cost', 'costed_young_participations'],
        ]) }} as mismatches
    from {{ ref('mart_funding') }}
)

select
    'somme' as check_kind,
    territory_level,
    territory_code,
    campaign_year,
    scheme,
    mismatches
from funding_sums

union all

select
    'somme par financeur' as check_kind,
    territory_level,
    territory_code,
    campaign_year,
    scheme,
    funder || ' : ' || mismatches as mismatches
from funder_sums

union all

select
    'financeurs = total' as check_kind,
    territory_level,
    territory_code,
    campaign_year,
    scheme,
    mismatches
from funder_totals
where mismatches != ''

union all

select
    'ratio' as check_kind,
    territory_level,
    territory_code,
    campaign_year,
    scheme,
    mismatches
from ratios
where mismatches != ''
