-- Nodes of the cooperation network per département and région × campaign year, all schemes
-- together: every porteur and partner of an action of the territory.

{%- set node_key = ['territory_level', 'territory_code', 'campaign_year', 'scheme', 'org_id'] %}

with members as (
    select * from {{ ref('int_action_organisations_unioned') }}
),

nodes as (
    select
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        org_id,
        -- one row per action × organisation (int_action_organisations_unioned is unique on them)
        count(*) as actions
    from ({{ territory_rollup('members', levels=['region', 'departement'], schemes='all') }}) as rolled
    group by territory_level, territory_code, campaign_year, rollup_scheme, org_id
),

-- both ends of each link, in one read of the edges
edge_ends as (
    select
        territory_level,
        territory_code,
        campaign_year,
        scheme,
        unnest([org_a, org_b]) as org_id
    from {{ ref('mart_network_edges') }}
),

degrees as (
    select
        territory_level,
        territory_code,
        campaign_year,
        scheme,
        org_id,
        count(*) as degree
    from edge_ends
    group by territory_level, territory_code, campaign_year, scheme, org_id
)

select
    cast(nodes.territory_level as varchar) as territory_level,
    cast(nodes.territory_code as varchar) as territory_code,
    cast(territories.territory_name as varchar) as territory_name,
    cast(nodes.campaign_year as integer) as campaign_year,
    cast(nodes.scheme as varchar) as scheme,
    cast(nodes.org_id as varchar) as org_id,
    cast(organisations.org_name as varchar) as org_name,
    cast(organisations.org_category as varchar) as org_category,
    cast(coalesce(degrees.degree, 0) as bigint) as degree,
    cast(nodes.actions as bigint) as actions
from nodes
inner join {{ ref('int_territories_unioned') }} as territories
    on
        nodes.territory_level = territories.territory_level
        and nodes.territory_code = territories.territory_code
left join {{ ref('int_organisations_deduplicated') }} as organisations
    on nodes.org_id = organisations.org_id
left join degrees
    on {{ same_cell('nodes', 'degrees', keys=node_key) }}
