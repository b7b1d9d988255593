-- Territory of each latest action: the département of its main QPV (referential, or read from
-- the code); failing that, the département of code_commune (first 3 characters overseas,
-- else the first 2, Corsica 2A/2B included). Région from the COG seed.

with main_qpv as (
    select
        action_id,
        qpv_code as main_qpv_code
    from {{ ref('int_actions_qpv') }}
    where qpv_position = 1
),

qpv_counts as (
    select
        action_id,
        count(*) as qpv_count
    from {{ ref('int_actions_qpv') }}
    group by action_id
),

located as (
    select
        actions.action_id,
        main_qpv.main_qpv_code,
        coalesce(qpv_counts.qpv_count, 0) as qpv_count,
        coalesce(
            qpv.department_code,
            {{ department_from_commune_code('actions.commune_code') }}
        ) as department_code,
        qpv.region_code as qpv_region_code
    from {{ ref('int_actions_latest') }} as actions
    left join main_qpv
        on actions.action_id = main_qpv.action_id
    left join qpv_counts
        on actions.action_id = qpv_counts.action_id
    left join {{ ref('int_qpv') }} as qpv
        on main_qpv.main_qpv_code = qpv.qpv_code
)

select
    located.action_id,
    located.main_qpv_code,
    cast(located.qpv_count as integer) as qpv_count,
    located.department_code,
    coalesce(departments.region_code, located.qpv_region_code) as region_code
from located
left join {{ ref('ref_departments') }} as departments
    on located.department_code = departments.department_code
