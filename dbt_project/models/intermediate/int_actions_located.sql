-- Territory of each latest action: the département of its main QPV (referential, or read from
-- the code); failing that, the département of code_commune (first 3 characters overseas,
-- else the first 2, Corsica 2A/2B included). Région from the COG seed.
-- Below the département, the action is attached to ONE commune (so that nothing is counted
-- twice) and to that commune's EPCI (int_communes_placed):
--   1. code_commune of the return, when it is one of the main QPV's communes in the referential;
--   2. else the main QPV's attached commune (int_qpv_placed: its main commune), when the referential
--      knows the QPV;
--   3. else (main QPV absent from the referential, or no QPV) code_commune of the return, when
--      it lies in the action's département;
-- and never a commune outside the action's département. No commune, or a commune the
-- referential does not know, leaves the EPCI unknown: the marts put the action in its
-- département's "non déterminé" bucket at that level.

with main_qpv as (
    select
        action_id,
        qpv_code as main_qpv_code
    from {{ ref('int_actions_qpv_unnested') }}
    where qpv_position = 1
),

qpv_counts as (
    select
        action_id,
        count(*) as qpv_count
    from {{ ref('int_actions_qpv_unnested') }}
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
        qpv.region_code as qpv_region_code,
        nullif(upper(trim(actions.commune_code)), '') as returned_commune_code,
        qpv.placement as qpv_placement,
        qpv.commune_codes as qpv_commune_codes,
        qpv.attached_commune_code as qpv_commune_code
    from {{ ref('int_actions_versioned') }} as actions
    left join main_qpv
        on actions.action_id = main_qpv.action_id
    left join qpv_counts
        on actions.action_id = qpv_counts.action_id
    left join {{ ref('int_qpv_placed') }} as qpv
        on main_qpv.main_qpv_code = qpv.qpv_code
),

candidates as (
    select
        located.*,
        case
            when
                located.qpv_placement = 'referentiel'
                and list_contains(string_split(located.qpv_commune_codes, ';'), located.returned_commune_code)
                then located.returned_commune_code
            when located.qpv_placement = 'referentiel' then located.qpv_commune_code
            else located.returned_commune_code
        end as candidate_commune_code
    from located
),

attached as (
    select
        candidates.*,
        communes.epci_siren as candidate_epci_siren,
        coalesce(
            communes.department_code,
            {{ department_from_commune_code('candidates.candidate_commune_code') }}
        ) as candidate_department_code
    from candidates
    left join {{ ref('int_communes_placed') }} as communes
        on candidates.candidate_commune_code = communes.commune_code
)

select
    attached.action_id,
    attached.main_qpv_code,
    cast(attached.qpv_count as integer) as qpv_count,
    attached.department_code,
    coalesce(departments.region_code, attached.qpv_region_code) as region_code,
    case
        when attached.candidate_department_code = attached.department_code then attached.candidate_commune_code
    end as attached_commune_code,
    case
        when attached.candidate_department_code = attached.department_code then attached.candidate_epci_siren
    end as attached_epci_siren
from attached
left join {{ ref('ref_departments') }} as departments
    on attached.department_code = departments.department_code
