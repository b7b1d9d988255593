-- Amounts per territory × campaign year × scheme × funder (rows only where the funder appears).

with lines as (
    select * from {{ ref('fct_funding_lines') }}
)

select
    cast(rolled.territory_level as varchar) as territory_level,
    cast(rolled.territory_code as varchar) as territory_code,
    cast(territories.territory_name as varchar) as territory_name,
    cast(rolled.campaign_year as integer) as campaign_year,
    cast(rolled.rollup_scheme as varchar) as scheme,
    cast(rolled.funder as varchar) as funder,
    cast(coalesce(sum({{ money('rolled.amount_requested') }}), 0) as double) as amount_requested,
    cast(coalesce(sum({{ money('rolled.amount_granted') }}), 0) as double) as amount_granted
from ({{ territory_rollup('lines', levels=all_territory_levels()) }}) as rolled
inner join {{ ref('int_territories_unioned') }} as territories
    on
        rolled.territory_level = territories.territory_level
        and rolled.territory_code = territories.territory_code
where rolled.funder is not null
group by
    rolled.territory_level,
    rolled.territory_code,
    territories.territory_name,
    rolled.campaign_year,
    rolled.rollup_scheme,
    rolled.funder
