select
    cast(partners.action_id as varchar) as action_id,
    cast(partners.campaign_year as integer) as campaign_year,
    cast(partners.scheme as varchar) as scheme,
    cast(located.department_code as varchar) as department_code,
    cast(located.region_code as varchar) as region_code,
    cast(partners.porteur_org_id as varchar) as porteur_org_id,
    cast(partners.partner_org_id as varchar) as partner_org_id,
    cast(partners.partner_name as varchar) as partner_name,
    cast(partners.partner_category as varchar) as partner_category,
    cast(partners.role as varchar) as role,
    cast(located.attached_commune_code as varchar) as attached_commune_code,
    cast(located.attached_epci_siren as varchar) as attached_epci_siren
from {{ ref('int_partners_versioned') }} as partners
inner join {{ ref('int_actions_located') }} as located
    on partners.action_id = located.action_id
