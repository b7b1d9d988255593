-- One row per grant file known from either side: a latest activity return, or a latest
-- funding export line. "Funded" = at least one latest funding line with amount_granted > 0.
-- Territory of a grant file: the département of its action when the return was received
-- (main QPV, else commune), else the export's insee_dep; one territory per grant file, used
-- by every funding and completeness output. Below the département, a grant file is attached
-- to its action's commune and EPCI (int_actions_located); without return, to neither.

with funding as (
    select
        action_id,
        campaign_year,
        scheme,
        grant_file,
        sum(amount_granted) as amount_granted,
        sum(amount_requested) as amount_requested,
        bool_or(coalesce(amount_granted, 0) > 0) as is_funded,
        bool_or(
            coalesce(amount_granted, 0) > 0
            and {{ is_other_funder('funder') }}
        ) as is_cofunded,
        -- the State line's département first, then the smallest code
        coalesce(
            min(department_code) filter (where funder = 'etat_politique_ville'),
            min(department_code)
        ) as funding_department_code,
        arg_min(porteur_name, funder) as funding_porteur_name
    from {{ ref('int_funding_lines_versioned') }}
    group by action_id, campaign_year, scheme, grant_file
),

returns as (
    select
        actions.action_id,
        actions.campaign_year,
        actions.scheme,
        actions.grant_file,
        actions.porteur_name,
        located.department_code,
        located.region_code,
        located.attached_commune_code,
        located.attached_epci_siren
    from {{ ref('int_actions_versioned') }} as actions
    inner join {{ ref('int_actions_located') }} as located
        on actions.action_id = located.action_id
),

grant_files as (
    select
        coalesce(returns.action_id, funding.action_id) as action_id,
        coalesce(returns.campaign_year, funding.campaign_year) as campaign_year,
        coalesce(returns.scheme, funding.scheme) as scheme,
        coalesce(returns.grant_file, funding.grant_file) as grant_file,
        returns.action_id is not null as has_return,
        funding.action_id is not null as has_funding_lines,
        coalesce(funding.is_funded, false) as is_funded,
        coalesce(funding.is_cofunded, false) as is_cofunded,
        funding.amount_requested,
        funding.amount_granted,
        coalesce(returns.porteur_name, funding.funding_porteur_name) as porteur_name,
        case
            when returns.action_id is not null then returns.department_code
            else funding.funding_department_code
        end as department_code,
        returns.region_code as return_region_code,
        returns.attached_commune_code,
        returns.attached_epci_siren
    from returns
    full outer join funding
        on returns.action_id = funding.action_id
)

select
    grant_files.action_id,
    grant_files.campaign_year,
    grant_files.scheme,
    grant_files.grant_file,
    grant_files.has_return,
    grant_files.has_funding_lines,
    grant_files.is_funded,
    grant_files.is_cofunded,
    grant_files.amount_requested,
    grant_files.amount_granted,
    grant_files.porteur_name,
    grant_files.department_code,
    coalesce(departments.region_code, grant_files.return_region_code) as region_code,
    grant_files.attached_commune_code,
    grant_files.attached_epci_siren
from grant_files
left join {{ ref('ref_departments') }} as departments
    on grant_files.department_code = departments.department_code
