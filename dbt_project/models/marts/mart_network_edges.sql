-- Links of the cooperation network per département and région × campaign year, all schemes
-- together: two organisations are linked when they work on the same action.

with pairs as (
    select * from {{ ref('int_action_organisations_paired') }}
),

-- A pair of organisations appears once per action (int_action_organisations_unioned is
-- unique on action × organisation), so counting its rows counts its distinct actions.
edges as (
    select
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        org_a,
        org_b,
        count(*) as shared_actions
    from ({{ territory_rollup('pairs', levels=['region', 'departement'], schemes='all') }}) as rolled
    group by territory_level, territory_code, campaign_year, rollup_scheme, org_a, org_b
)

select
    cast(edges.territory_level as varchar) as territory_level,
    cast(edges.territory_code as varchar) as territory_code,
    cast(territories.territory_name as varchar) as territory_name,
    cast(edges.campaign_year as integer) as campaign_year,
    cast(edges.scheme as varchar) as scheme,
    cast(edges.org_a as varchar) as org_a,
    cast(edges.org_b as varchar) as org_b,
    cast(edges.shared_actions as bigint) as shared_actions
from edges
inner join {{ ref('int_territories_unioned') }} as territories
    on
        edges.territory_level = territories.territory_level
        and edges.territory_code = territories.territory_code
