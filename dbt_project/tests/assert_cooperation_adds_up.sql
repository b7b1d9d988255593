-- Partenariats (mart_cooperation, mart_partner_mix): actions, partnership links, actions with
-- 2+ / 4+ partners, funded and co-funded actions, and the partner mix's links and actions of
-- a territory are the sum of its children's along the territory tree. Distinct counts
-- (organisations, network links, partnerships renewed or new) are not additive and are not
-- compared. Every ratio is recomputed from its own row's sums, at every level; leverage from
-- the same row of mart_funding.

with cooperation_sums as (
    {{ hierarchy_mismatches(
        ref('mart_cooperation'),
        ['actions', 'partnership_links', 'actions_2plus_partners', 'actions_4plus_partners',
         'funded_actions', 'cofunded_actions'],
        all_territory_levels(),
    ) }}
),

mix_sums as (
    {{ hierarchy_mismatches(
        ref('mart_partner_mix'),
        ['links', 'actions'],
        all_territory_levels(),
        keys=['campaign_year', 'scheme', 'dimension', 'value'],
    ) }}
),

ratios as (
    select
        cooperation.territory_level,
        cooperation.territory_code,
        cooperation.campaign_year,
        cooperation.scheme,
        {{ ratio_mismatches([
            ['cooperation.partners_per_action', 'cooperation.partnership_links', 'cooperation.actions'],
            ['cooperation.share_actions_2plus_partners', 'cooperation.actions_2plus_partners', 'cooperation.actions'],
            ['cooperation.share_actions_4plus_partners', 'cooperation.actions_4plus_partners', 'cooperation.actions'],
            ['cooperation.cofunded_share', 'cooperation.cofunded_actions', 'cooperation.funded_actions'],
            ['cooperation.leverage', 'funding.granted_other', 'funding.granted_state_pv'],
            ['cooperation.network_density', 'cooperation.network_links', 'cooperation.organisations * (cooperation.organisations - 1) / 2'],
        ]) }} as mismatches
    from {{ ref('mart_cooperation') }} as cooperation
    left join {{ ref('mart_funding') }} as funding
        on {{ same_cell('cooperation', 'funding') }}
)

select
    'somme' as check_kind,
    territory_level,
    territory_code,
    campaign_year,
    scheme,
    mismatches
from cooperation_sums

union all

select
    'somme composition' as check_kind,
    territory_level,
    territory_code,
    campaign_year,
    scheme,
    dimension || '=' || value || ' : ' || mismatches as mismatches
from mix_sums

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
