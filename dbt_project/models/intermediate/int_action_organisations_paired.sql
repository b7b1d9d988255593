-- Links of the cooperation network: every pair of organisations working on the same latest
-- action (porteur–partner and partner–partner), ordered so that org_a < org_b.

select
    a.action_id,
    a.campaign_year,
    a.scheme,
    a.department_code,
    a.region_code,
    a.attached_commune_code,
    a.attached_epci_siren,
    a.org_id as org_a,
    b.org_id as org_b
from {{ ref('int_action_organisations_unioned') }} as a
inner join {{ ref('int_action_organisations_unioned') }} as b
    on
        a.action_id = b.action_id
        and a.org_id < b.org_id
