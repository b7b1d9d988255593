-- Spine of the per-territory marts: every territory (france, région, département) × every
-- (campaign year, scheme) present, so that a territory with nothing in a campaign still shows
-- its zeros (and its QPV without action).

select
    territories.territory_level,
    territories.territory_code,
    territories.territory_name,
    campaigns.campaign_year,
    campaigns.scheme
from {{ ref('int_territories') }} as territories
cross join {{ ref('int_campaign_schemes') }} as campaigns
where territories.territory_level in ('france', 'region', 'departement')
