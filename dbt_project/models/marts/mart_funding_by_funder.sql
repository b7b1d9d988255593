-- Amounts per territory × campaign year × scheme × funder (rows only where the funder appears).

with lines as (
    select * from {{ ref('fct_funding_lines') }}
),

-- summed per place (commune, EPCI, département, région) and funder before the roll-up, which
-- then adds up a few rows per place rather than one per line
line_places as (
    select
        {{ rollup_place_columns() }},
        funder,
        sum({{ money('amount_requested') }}) as amount_requested,
        sum({{ money('amount_granted') }}) as amount_granted
    from lines
    where funder is not null
    group by all
),

cells as (
    select
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        funder,
        sum(amount_requested) as amount_requested,
        sum(amount_granted) as amount_granted
    from ({{ territory_rollup('line_places', levels=all_territory_levels()) }}) as rolled
    group by territory_level, territory_code, campaign_year, rollup_scheme, funder
)

select
    cast(cells.territory_level as varchar) as territory_level,
    cast(cells.territory_code as varchar) as territory_code,
    cast(territories.territory_name as varchar) as territory_name,
    cast(cells.campaign_year as integer) as campaign_year,
    cast(cells.scheme as varchar) as scheme,
    cast(cells.funder as varchar) as funder,
    cast(coalesce(cells.amount_requested, 0) as double) as amount_requested,
    cast(coalesce(cells.amount_granted, 0) as double) as amount_granted
from cells
inner join {{ ref('int_territories_unioned') }} as territories
    on
        cells.territory_level = territories.territory_level
        and cells.territory_code = territories.territory_code
