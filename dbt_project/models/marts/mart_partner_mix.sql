-- Mix of partner categories and roles per territory × campaign year × scheme. A partner with
-- several roles in one action counts once per role in the 'role' dimension.

with partnerships as (
    select * from {{ ref('fct_partnerships') }}
),

by_value as (
    select
        action_id,
        campaign_year,
        scheme,
        department_code,
        region_code,
        attached_commune_code,
        attached_epci_siren,
        'categorie' as dimension,
        coalesce(partner_category, 'inconnu') as dimension_value
    from partnerships

    union all

    select
        action_id,
        campaign_year,
        scheme,
        department_code,
        region_code,
        attached_commune_code,
        attached_epci_siren,
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
)

select
    cast(rolled.territory_level as varchar) as territory_level,
    cast(rolled.territory_code as varchar) as territory_code,
    cast(territories.territory_name as varchar) as territory_name,
    cast(rolled.campaign_year as integer) as campaign_year,
    cast(rolled.rollup_scheme as varchar) as scheme,
    cast(rolled.dimension as varchar) as dimension,
    cast(rolled.dimension_value as varchar) as value,
    cast(sum(rolled.links) as bigint) as links,
    cast(count(*) as bigint) as actions
from ({{ territory_rollup('per_action', levels=all_territory_levels()) }}) as rolled
inner join {{ ref('int_territories_unioned') }} as territories
    on
        rolled.territory_level = territories.territory_level
        and rolled.territory_code = territories.territory_code
group by
    rolled.territory_level,
    rolled.territory_code,
    territories.territory_name,
    rolled.campaign_year,
    rolled.rollup_scheme,
    rolled.dimension,
    rolled.dimension_value
