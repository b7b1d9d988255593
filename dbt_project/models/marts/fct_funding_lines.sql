select
    cast(lines.campaign_year as integer) as campaign_year,
    cast(lines.scheme as varchar) as scheme,
    cast(lines.grant_file as varchar) as grant_file,
    cast(lines.action_id as varchar) as action_id,
    cast(lines.funder as varchar) as funder,
    cast(lines.amount_requested as double) as amount_requested,
    cast(lines.amount_granted as double) as amount_granted,
    cast(grant_files.department_code as varchar) as department_code,
    cast(grant_files.region_code as varchar) as region_code,
    cast(grant_files.has_return as boolean) as has_activity_return,
    cast(grant_files.attached_commune_code as varchar) as attached_commune_code,
    cast(grant_files.attached_epci_siren as varchar) as attached_epci_siren
from {{ ref('int_funding_lines_versioned') }} as lines
inner join {{ ref('int_grant_files_joined') }} as grant_files
    on lines.action_id = grant_files.action_id
