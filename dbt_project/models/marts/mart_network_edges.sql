-- Links of the cooperation network per département and région × campaign year, all schemes
-- together: two organisations are linked when they work on the same action.

with pairs as (
    select * from {{ ref('int_action_organisations_paired') }}
)

select
    cast(rolled.territory_level as varchar) as territory_level,
    cast(rolled.territory_code as varchar) as territory_code,
    cast(territories.territory_name as varchar) as territory_name,
    cast(rolled.campaign_year as integer) as campaign_year,
    cast(rolled.rollup_scheme as varchar) as scheme,
    cast(rolled.org_a as varchar) as org_a,
    cast(rolled.org_b as varchar) as org_b,
    cast(count(distinct rolled.action_id) as bigint) as shared_actions
from ({{ territory_rollup('pairs', levels=['region', 'departement'], schemes='all') }}) as rolled
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
    rolled.org_a,
    rolled.org_b
