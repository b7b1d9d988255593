-- Reach among young people, per territory × campaign year × scheme (see _marts__models.yml).

with spine as (
    select * from {{ ref('int_territory_campaigns_crossed') }}
),

actions as (
    select
        *,
        girls is not null and boys is not null as sex_known
    from {{ ref('fct_actions') }}
),

-- The action measures are summed per place (commune, EPCI, département, région) before the
-- roll-up, which then adds up a few rows per place rather than one per action.
action_places as (
    select
        {{ rollup_place_columns() }},
        count(*) as actions,
        sum(sessions) as sessions,
        sum(participants) as participations,
        sum(young_participations) as young_participations,
        sum(qpv_residents) as qpv_resident_participations,
        sum(girls) as girls,
        sum(boys) as boys,
        sum(girls) filter (where sex_known) as girls_sex_known,
        sum(boys) filter (where sex_known) as boys_sex_known,
        sum(age_0_5) as age_0_5,
        sum(age_6_11) as age_6_11,
        sum(age_12_17) as age_12_17,
        sum(age_18_25) as age_18_25,
        sum(age_26_59) as age_26_59,
        sum(age_60_plus) as age_60_plus,
        sum(estimated_young_qpv_participations) as estimated_young_qpv_participations
    from actions
    group by all
),

action_measures as (
    select
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        sum(actions) as actions,
        sum(sessions) as sessions,
        sum(participations) as participations,
        sum(young_participations) as young_participations,
        sum(qpv_resident_participations) as qpv_resident_participations,
        sum(girls) as girls,
        sum(boys) as boys,
        sum(girls_sex_known) as girls_sex_known,
        sum(boys_sex_known) as boys_sex_known,
        sum(age_0_5) as age_0_5,
        sum(age_6_11) as age_6_11,
        sum(age_12_17) as age_12_17,
        sum(age_18_25) as age_18_25,
        sum(age_26_59) as age_26_59,
        sum(age_60_plus) as age_60_plus,
        sum(estimated_young_qpv_participations) as estimated_young_qpv_participations
    from ({{ territory_rollup('action_places', levels=all_territory_levels()) }}) as rolled
    group by territory_level, territory_code, campaign_year, rollup_scheme
),

campaign_years as (
    select distinct campaign_year from {{ ref('int_campaign_schemes_listed') }}
),

-- every QPV of the generation in force for the campaign in its département
campaign_qpv as (
    select
        campaign_years.campaign_year,
        cast(null as varchar) as scheme,
        qpv.qpv_code,
        qpv.placement,
        qpv.young_population,
        qpv.department_code,
        qpv.region_code,
        qpv.attached_commune_code,
        qpv.attached_epci_siren
    from campaign_years
    inner join {{ ref('int_qpv_placed') }} as qpv
        on qpv.generation = {{ campaign_generation('campaign_years.campaign_year', 'qpv.department_code') }}
),

qpv_measures as (
    select
        territory_level,
        territory_code,
        campaign_year,
        count(*) filter (where placement = 'referentiel') as qpv_total,
        case
            when count(*) > 0 and count(young_population) = count(*) then sum(young_population)
        end as young_population
    from ({{ territory_rollup('campaign_qpv', levels=all_territory_levels(), schemes='all') }}) as rolled
    group by territory_level, territory_code, campaign_year
),

-- QPV of the campaign's generation cited by at least one action (any position)
cited_qpv as (
    select distinct
        cited.campaign_year,
        cited.scheme,
        cited.qpv_code,
        campaign_qpv.placement,
        campaign_qpv.department_code,
        campaign_qpv.region_code,
        campaign_qpv.attached_commune_code,
        campaign_qpv.attached_epci_siren
    from {{ ref('int_actions_qpv_unnested') }} as cited
    inner join campaign_qpv
        on
            cited.qpv_code = campaign_qpv.qpv_code
            and cited.campaign_year = campaign_qpv.campaign_year
),

-- each cited QPV once per cell (one grouping instead of two distinct counts), then counted
cited_cells as (
    select
        territory_level,
        territory_code,
        campaign_year,
        rollup_scheme as scheme,
        qpv_code,
        bool_or(placement = 'referentiel') as is_referential
    from ({{ territory_rollup('cited_qpv', levels=all_territory_levels()) }}) as rolled
    where qpv_code is not null
    group by territory_level, territory_code, campaign_year, rollup_scheme, qpv_code
),

cited_measures as (
    select
        territory_level,
        territory_code,
        campaign_year,
        scheme,
        count(*) as qpv_with_action,
        count(*) filter (where is_referential) as referential_qpv_with_action
    from cited_cells
    group by territory_level, territory_code, campaign_year, scheme
),

combined as (
    select
        spine.territory_level,
        spine.territory_code,
        spine.territory_name,
        spine.campaign_year,
        spine.scheme,
        coalesce(action_measures.actions, 0) as actions,
        coalesce(action_measures.sessions, 0) as sessions,
        coalesce(action_measures.participations, 0) as participations,
        coalesce(action_measures.young_participations, 0) as young_participations,
        coalesce(action_measures.qpv_resident_participations, 0) as qpv_resident_participations,
        -- NULL when the actions of the cell all left the number unknown
        case when action_measures.actions is null then 0 else action_measures.girls end as girls,
        case when action_measures.actions is null then 0 else action_measures.boys end as boys,
        coalesce(action_measures.girls_sex_known, 0) as girls_sex_known,
        coalesce(action_measures.boys_sex_known, 0) as boys_sex_known,
        coalesce(action_measures.age_0_5, 0) as age_0_5,
        coalesce(action_measures.age_6_11, 0) as age_6_11,
        coalesce(action_measures.age_12_17, 0) as age_12_17,
        coalesce(action_measures.age_18_25, 0) as age_18_25,
        coalesce(action_measures.age_26_59, 0) as age_26_59,
        coalesce(action_measures.age_60_plus, 0) as age_60_plus,
        coalesce(action_measures.estimated_young_qpv_participations, 0) as estimated_young_qpv_participations,
        nullif(qpv_measures.qpv_total, 0) as qpv_total,
        coalesce(cited_measures.qpv_with_action, 0) as qpv_with_action,
        coalesce(cited_measures.referential_qpv_with_action, 0) as referential_qpv_with_action,
        qpv_measures.young_population
    from spine
    left join action_measures
        on {{ same_cell('spine', 'action_measures') }}
    left join qpv_measures
        on {{ same_cell('spine', 'qpv_measures', keys=['territory_level', 'territory_code', 'campaign_year']) }}
    left join cited_measures
        on {{ same_cell('spine', 'cited_measures') }}
)

select
    cast(territory_level as varchar) as territory_level,
    cast(territory_code as varchar) as territory_code,
    cast(territory_name as varchar) as territory_name,
    cast(campaign_year as integer) as campaign_year,
    cast(scheme as varchar) as scheme,
    cast(actions as bigint) as actions,
    cast(sessions as bigint) as sessions,
    cast(participations as bigint) as participations,
    cast(young_participations as bigint) as young_participations,
    cast(qpv_resident_participations as bigint) as qpv_resident_participations,
    cast(girls as bigint) as girls,
    cast(boys as bigint) as boys,
    {{ safe_divide('girls_sex_known', 'girls_sex_known + boys_sex_known') }} as girls_share,
    cast(age_0_5 as bigint) as age_0_5,
    cast(age_6_11 as bigint) as age_6_11,
    cast(age_12_17 as bigint) as age_12_17,
    cast(age_18_25 as bigint) as age_18_25,
    cast(age_26_59 as bigint) as age_26_59,
    cast(age_60_plus as bigint) as age_60_plus,
    cast(qpv_total as bigint) as qpv_total,
    cast(qpv_with_action as bigint) as qpv_with_action,
    cast(qpv_total - referential_qpv_with_action as bigint) as qpv_without_action,
    cast(young_population as bigint) as young_population,
    {{ safe_divide('estimated_young_qpv_participations', 'young_population') }} as coverage_rate,
    cast(girls_sex_known as bigint) as girls_sex_known,
    cast(boys_sex_known as bigint) as boys_sex_known,
    cast(estimated_young_qpv_participations as double) as estimated_young_qpv_participations,
    {{ safe_divide('qpv_resident_participations', 'participations') }} as qpv_resident_share,
    {{ safe_divide('actions', 'qpv_total') }} as actions_per_qpv,
    {{ safe_divide('sessions', 'qpv_total') }} as sessions_per_qpv
from combined
