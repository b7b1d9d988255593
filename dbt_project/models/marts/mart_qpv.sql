-- Per QPV × campaign year × scheme. Rows: every QPV of the referential of the generation in
-- force for the campaign (in its département) and every QPV code cited that year, for each
-- scheme of the campaign and 'ALL' — so a QPV without any action in a campaign is a row with
-- actions = 0 and has_action false. actions counts every action citing the QPV (main or not);
-- sessions and participations are those of the actions whose MAIN QPV it is, so that summing
-- over QPV does not double count.

with campaigns as (
    select * from {{ ref('int_campaign_schemes_listed') }}
),

qpv as (
    select * from {{ ref('int_qpv_placed') }}
),

cited as (
    select
        cited.action_id,
        cited.campaign_year,
        case when scheme_keys.is_all then 'ALL' else cited.scheme end as scheme,
        cited.qpv_code
    from {{ ref('int_actions_qpv_unnested') }} as cited
    cross join (values (false), (true)) as scheme_keys (is_all)
),

qpv_years as (
    select
        campaigns.campaign_year,
        qpv.qpv_code
    from (select distinct campaign_year from campaigns) as campaigns
    inner join qpv
        on qpv.generation = {{ campaign_generation('campaigns.campaign_year', 'qpv.department_code') }}
    where qpv.placement = 'referentiel'
    union
    select
        campaign_year,
        qpv_code
    from cited
),

spine as (
    select
        qpv_years.qpv_code,
        qpv_years.campaign_year,
        campaigns.scheme
    from qpv_years
    inner join campaigns
        on qpv_years.campaign_year = campaigns.campaign_year
),

citing_actions as (
    select
        qpv_code,
        campaign_year,
        scheme,
        count(distinct action_id) as actions
    from cited
    group by qpv_code, campaign_year, scheme
),

main_actions as (
    select
        actions.main_qpv_code as qpv_code,
        actions.campaign_year,
        case when scheme_keys.is_all then 'ALL' else actions.scheme end as scheme,
        sum(actions.sessions) as sessions,
        sum(actions.participants) as participations,
        sum(actions.young_participations) as young_participations,
        sum(actions.estimated_young_qpv_participations) as estimated_young_qpv_participations
    from {{ ref('fct_actions') }} as actions
    cross join (values (false), (true)) as scheme_keys (is_all)
    where actions.main_qpv_code is not null
    group by all
)

select
    cast(spine.qpv_code as varchar) as qpv_code,
    cast(qpv.qpv_name as varchar) as qpv_name,
    cast(qpv.department_code as varchar) as department_code,
    cast(qpv.region_code as varchar) as region_code,
    cast(spine.campaign_year as integer) as campaign_year,
    cast(spine.scheme as varchar) as scheme,
    cast(coalesce(citing_actions.actions, 0) as bigint) as actions,
    cast(coalesce(main_actions.sessions, 0) as bigint) as sessions,
    cast(coalesce(main_actions.young_participations, 0) as bigint) as young_participations,
    cast(coalesce(main_actions.participations, 0) as bigint) as participations,
    cast(qpv.young_population as bigint) as young_population,
    {{ safe_divide('coalesce(main_actions.estimated_young_qpv_participations, 0)', 'qpv.young_population') }}
        as coverage_rate,
    cast(coalesce(main_actions.estimated_young_qpv_participations, 0) as double) as estimated_young_qpv_participations,
    cast(coalesce(citing_actions.actions, 0) > 0 as boolean) as has_action
from spine
left join qpv
    on spine.qpv_code = qpv.qpv_code
left join citing_actions
    on
        spine.qpv_code = citing_actions.qpv_code
        and spine.campaign_year = citing_actions.campaign_year
        and spine.scheme = citing_actions.scheme
left join main_actions
    on
        spine.qpv_code = main_actions.qpv_code
        and spine.campaign_year = main_actions.campaign_year
        and spine.scheme = main_actions.scheme
