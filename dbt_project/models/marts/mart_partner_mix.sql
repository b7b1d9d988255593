-- Mix of partner categories and roles per territory × campaign year × scheme. A partner with
-- several roles in one action counts once per role in the 'role' dimension.

with partnerships as (
    select * from {{ ref('fct_partnerships') }}
),

by_value as (
    select
        action_id,
        {{ rollup_place_columns() }},
        'categorie' as dimension,
        coalesce(partner_category, 'inconnu') as dimension_value
    from partnerships

    union all

    select
        action_id,
        {{ rollup_place_columns() }},
        'role' as dimension,
        unnest(string_split(coalesce(role, 'inconnu'), ';')) as dimension_value
    from partnerships
),

-- An action lies in one territory per level and has one scheme: counted once per value
-- here, it is one row per value in each cell it rolls up to, so the cell's distinct
-- actions are its rows (a distinct count over the roll-up cost three times as much).
per_action as (
    select
        *,
        count(*) as links
    from by_value
    group by all
),

-- The actions of each place (commune, EPCI, département, région) summed before the roll-up,
-- which then adds up a few rows per place rather than one per action.
per_place as (
    select
        {{ rollup_place_columns() }},
        dimension,
        dimension_value,
        sum(links) as links,
        count(*) as actions
    from per_action
    group by all
),

cells as (
    select
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        dimension,
        dimension_value,
        sum(links) as links,
        sum(actions) as actions
    from ({{ territory_rollup('per_place', levels=all_territory_levels()) }}) as rolled
    group by territory_level, territory_code, campaign_year, rollup_scheme, dimension, dimension_value
)

select
    cast(cells.territory_level as varchar) as territory_level,
    cast(cells.territory_code as varchar) as territory_code,
    cast(territories.territory_name as varchar) as territory_name,
    cast(cells.campaign_year as integer) as campaign_year,
    cast(cells.scheme as varchar) as scheme,
    cast(cells.dimension as varchar) as dimension,
    cast(cells.dimension_value as varchar) as value,
    cast(cells.links as bigint) as links,
    cast(cells.actions as bigint) as actions
from cells
inner join {{ ref('int_territories_unioned') }} as territories
    on
        cells.territory_level = territories.territory_level
        and cells.territory_code = territories.territory_code
