-- Spine of the per-territory marts: every territory (france, région, département, EPCI,
-- commune, "non déterminé" buckets) × every (campaign year, scheme) present, so that a
-- territory with nothing in a campaign still shows its zeros (and its QPV without action).
-- A mart that stops at the département filters the levels.

select
    territories.territory_level,
    territories.territory_code,
    territories.territory_name,
    campaigns.campaign_year,
    campaigns.scheme
from {{ ref('int_territories_unioned') }} as territories
cross join {{ ref('int_campaign_schemes_listed') }} as campaigns
