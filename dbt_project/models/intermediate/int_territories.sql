-- Territories: France, the régions and départements present in the QPV referential, the
-- returns or the funding export, and the EPCI and communes of the referential's QPV.
-- Names from the COG seeds, else from the referential, else the code. An EPCI (or a commune)
-- is attached to the département of its first row in the referential; a commune's parent is
-- its EPCI when known, else its département.

with referential_rows as (
    select *
    from {{ ref('stg_raw__qpv_communes') }}
    where qpv_code is not null
),

referential_departments as (
    select
        department_code,
        arg_min(department_name, referential_row) as department_name,
        arg_min(region_code, referential_row) as region_code,
        arg_min(region_name, referential_row) as region_name
    from referential_rows
    where department_code is not null
    group by department_code
),

department_codes as (
    select department_code from {{ ref('int_qpv') }}
    union
    select department_code from {{ ref('int_actions_located') }}
    union
    select department_code from {{ ref('int_grant_files') }}
),

departments as (
    select
        department_codes.department_code,
        coalesce(
            cog.department_name, referential_departments.department_name, department_codes.department_code
        ) as department_name,
        coalesce(cog.region_code, referential_departments.region_code) as region_code
    from department_codes
    left join {{ ref('ref_departments') }} as cog
        on department_codes.department_code = cog.department_code
    left join referential_departments
        on department_codes.department_code = referential_departments.department_code
    where department_codes.department_code is not null
),

regions as (
    select distinct
        departments.region_code,
        coalesce(
            cog.region_name,
            (
                select min(referential_departments.region_name)
                from referential_departments
                where referential_departments.region_code = departments.region_code
            ),
            departments.region_code
        ) as region_name
    from departments
    left join {{ ref('ref_regions') }} as cog
        on departments.region_code = cog.region_code
    where departments.region_code is not null
),

epcis as (
    select
        epci_siren,
        arg_min(epci_name, referential_row) as epci_name,
        arg_min(department_code, referential_row) as department_code
    from referential_rows
    where epci_siren is not null
    group by epci_siren
),

communes as (
    select
        commune_code,
        arg_min(commune_name, referential_row) as commune_name,
        arg_min(epci_siren, referential_row) as epci_siren,
        arg_min(department_code, referential_row) as department_code
    from referential_rows
    where commune_code is not null
    group by commune_code
)

select
    'france' as territory_level,
    'FR' as territory_code,
    'France' as territory_name,
    cast(null as varchar) as parent_level,
    cast(null as varchar) as parent_code,
    cast(null as varchar) as region_code,
    cast(null as varchar) as department_code

union all

select
    'region' as territory_level,
    region_code as territory_code,
    region_name as territory_name,
    'france' as parent_level,
    'FR' as parent_code,
    region_code,
    cast(null as varchar) as department_code
from regions

union all

select
    'departement' as territory_level,
    department_code as territory_code,
    department_name as territory_name,
    case when region_code is null then 'france' else 'region' end as parent_level,
    coalesce(region_code, 'FR') as parent_code,
    region_code,
    department_code
from departments

union all

select
    'epci' as territory_level,
    epcis.epci_siren as territory_code,
    coalesce(epcis.epci_name, epcis.epci_siren) as territory_name,
    'departement' as parent_level,
    epcis.department_code as parent_code,
    departments.region_code,
    epcis.department_code
from epcis
left join departments
    on epcis.department_code = departments.department_code

union all

select
    'commune' as territory_level,
    communes.commune_code as territory_code,
    coalesce(communes.commune_name, communes.commune_code) as territory_name,
    case when communes.epci_siren is null then 'departement' else 'epci' end as parent_level,
    coalesce(communes.epci_siren, communes.department_code) as parent_code,
    departments.region_code,
    communes.department_code
from communes
left join departments
    on communes.department_code = departments.department_code
