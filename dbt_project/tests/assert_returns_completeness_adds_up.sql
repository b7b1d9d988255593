-- Complétude des bilans (mart_returns_completeness, France / régions / départements): the
-- counts of grant files of a territory are the sum of its children's, and the completeness
-- rate is recomputed from its own row's counts, at every level.

with sums as (
    {{ hierarchy_mismatches(
        ref('mart_returns_completeness'),
        ['funded_files', 'returns_received', 'funded_without_return', 'returns_without_funding'],
        ['france', 'region', 'departement'],
    ) }}
)

select
    'somme' as check_kind,
    territory_level,
    territory_code,
    campaign_year,
    scheme,
    mismatches
from sums

union all

select
    'ratio' as check_kind,
    territory_level,
    territory_code,
    campaign_year,
    scheme,
    'completeness_rate ' || coalesce(cast(completeness_rate as varchar), 'NULL') as mismatches
from {{ ref('mart_returns_completeness') }}
where {{ ratio_differs('completeness_rate', 'funded_files - funded_without_return', 'funded_files') }}
