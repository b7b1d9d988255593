-- Expected returns (funded grant files) vs received activity returns, per territory ×
-- campaign year × scheme. Each grant file sits in one territory (see int_grant_files_joined).
-- France, régions and départements only: a funded file without return cannot be placed below
-- its département, so a completeness rate per EPCI or commune would be meaningless.

with spine as (
    select * from {{ ref('int_territory_campaigns_crossed') }}
    where territory_level in ('france', 'region', 'departement')
),

grant_files as (
    select * from {{ ref('int_grant_files_joined') }}
),

measures as (
    select
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        count(*) filter (where is_funded) as funded_files,
        count(*) filter (where has_return) as returns_received,
        count(*) filter (where is_funded and not has_return) as funded_without_return,
        count(*) filter (where has_return and not is_funded) as returns_without_funding
    from ({{ territory_rollup('grant_files') }}) as rolled
    group by territory_level, territory_code, campaign_year, rollup_scheme
)

select
    cast(spine.territory_level as varchar) as territory_level,
    cast(spine.territory_code as varchar) as territory_code,
    cast(spine.territory_name as varchar) as territory_name,
    cast(spine.campaign_year as integer) as campaign_year,
    cast(spine.scheme as varchar) as scheme,
    cast(coalesce(measures.funded_files, 0) as bigint) as funded_files,
    cast(coalesce(measures.returns_received, 0) as bigint) as returns_received,
    cast(coalesce(measures.funded_without_return, 0) as bigint) as funded_without_return,
    cast(coalesce(measures.returns_without_funding, 0) as bigint) as returns_without_funding,
    {{ safe_divide('measures.funded_files - measures.funded_without_return', 'measures.funded_files') }}
        as completeness_rate
from spine
left join measures
    on {{ same_cell('spine', 'measures') }}
