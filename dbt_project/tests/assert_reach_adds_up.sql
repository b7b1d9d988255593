-- Portée (mart_reach): every additive indicator of a territory is the sum of its children's
-- (France = régions, région = départements, département = EPCI, EPCI = communes, buckets
-- included), and every ratio is recomputed from its own row's sums, at every level.
-- young_population is NULL when any QPV's population is unknown: compared where known.

with sums as (
    {{ hierarchy_mismatches(
        ref('mart_reach'),
        ['actions', 'sessions', 'participations', 'young_participations', 'qpv_resident_participations',
         'girls', 'boys', 'age_0_5', 'age_6_11', 'age_12_17', 'age_18_25', 'age_26_59', 'age_60_plus',
         'qpv_total', 'qpv_with_action', 'qpv_without_action', 'girls_sex_known', 'boys_sex_known',
         'estimated_young_qpv_participations'],
        all_territory_levels(),
        known_parent_measures=['young_population'],
    ) }}
),

ratios as (
    select
        territory_level,
        territory_code,
        campaign_year,
        scheme,
        {{ ratio_mismatches([
            ['girls_share', 'girls_sex_known', 'girls_sex_known + boys_sex_known'],
            ['coverage_rate', 'estimated_young_qpv_participations', 'young_population'],
            ['qpv_resident_share', 'qpv_resident_participations', 'participations'],
            ['actions_per_qpv', 'actions', 'qpv_total'],
        ]) }} as mismatches
    from {{ ref('mart_reach') }}
)

select
    'somme' as check_kind,
    territory_level,
    territory_code,
    campaign_year,
    scheme,
    mismatches
from sums

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
