-- QPV sans action: per département × campaign × scheme, the rows of mart_qpv with has_action
-- false for QPV of the referential of the campaign's generation are exactly mart_reach's
-- qpv_without_action, and those with has_action true its referential QPV with action.

with qpv_rows as (
    select
        mart_qpv.department_code,
        mart_qpv.campaign_year,
        mart_qpv.scheme,
        count(*) filter (where not mart_qpv.has_action) as without_action,
        count(*) filter (where mart_qpv.has_action) as with_action
    from {{ ref('mart_qpv') }} as mart_qpv
    inner join {{ ref('dim_qpv') }} as dim_qpv
        on mart_qpv.qpv_code = dim_qpv.qpv_code
    where
        dim_qpv.placement = 'referentiel'
        and dim_qpv.generation = {{ campaign_generation('mart_qpv.campaign_year', 'mart_qpv.department_code') }}
    group by mart_qpv.department_code, mart_qpv.campaign_year, mart_qpv.scheme
),

reach as (
    select
        territory_code as department_code,
        campaign_year,
        scheme,
        coalesce(qpv_without_action, 0) as without_action,
        coalesce(qpv_total, 0) - coalesce(qpv_without_action, 0) as with_action
    from {{ ref('mart_reach') }}
    where territory_level = 'departement'
)

select
    coalesce(reach.department_code, qpv_rows.department_code) as department_code,
    coalesce(reach.campaign_year, qpv_rows.campaign_year) as campaign_year,
    coalesce(reach.scheme, qpv_rows.scheme) as scheme,
    reach.without_action as reach_without_action,
    qpv_rows.without_action as qpv_rows_without_action,
    reach.with_action as reach_with_action,
    qpv_rows.with_action as qpv_rows_with_action
from reach
full outer join qpv_rows
    on
        reach.department_code = qpv_rows.department_code
        and reach.campaign_year = qpv_rows.campaign_year
        and reach.scheme = qpv_rows.scheme
where
    coalesce(reach.without_action, 0) != coalesce(qpv_rows.without_action, 0)
    or coalesce(reach.with_action, 0) != coalesce(qpv_rows.with_action, 0)
