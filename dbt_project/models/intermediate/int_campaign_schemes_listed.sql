-- The (campaign year, scheme) pairs present in the returns or the funding export, plus
-- (campaign year, 'ALL') for each year: the columns of every per-territory mart's spine.

with pairs as (
    select distinct
        campaign_year,
        scheme
    from {{ ref('int_grant_files_joined') }}
)

select
    campaign_year,
    scheme
from pairs

union all

select distinct
    campaign_year,
    'ALL' as scheme
from pairs
