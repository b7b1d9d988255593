-- Territories: France, the régions and départements present in the QPV referential, the
-- returns or the funding export; the EPCI and communes of the referential (int_communes_placed: a
-- commune's EPCI is that of its most recent generation's row) plus the communes actions are
-- attached to that the referential does not know; and, per département, the "non déterminé"
-- buckets ('<dep>_ND') at the EPCI and commune levels when something of the département
-- cannot be placed there. Names from the COG seeds, else from the referential, else the
-- code. The tree is strict: commune → EPCI → département → région → France. An EPCI is
-- attached to the département of its first commune in the referential's row order (an EPCI
-- spanning two départements is reported whole under that one); a commune without EPCI is
-- attached to its département's EPCI bucket, and so is the commune bucket.

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
    select department_code from {{ ref('int_qpv_placed') }}
    union
    select department_code from {{ ref('int_actions_located') }}
    union
    select department_code from {{ ref('int_grant_files_joined') }}
    union
    select department_code from {{ ref('int_communes_placed') }}
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

communes_referential as (
    select * from {{ ref('int_communes_placed') }}
),

epcis as (
    select
        epci_siren,
        arg_min(epci_name, first_row) as epci_name,
        arg_min(department_code, first_row) as department_code
    from communes_referential
    where epci_siren is not null
    group by epci_siren
),

located_actions as (
    select * from {{ ref('int_actions_located') }}
),

communes as (
    select
        commune_code,
        commune_name,
        epci_siren,
        department_code
    from communes_referential

    union all

    -- communes attached to an action but unknown to the referential: no EPCI
    select
        located_actions.attached_commune_code as commune_code,
        cast(null as varchar) as commune_name,
        cast(null as varchar) as epci_siren,
        min(located_actions.department_code) as department_code
    from located_actions
    left join communes_referential
        on located_actions.attached_commune_code = communes_referential.commune_code
    where
        located_actions.attached_commune_code is not null
        and communes_referential.commune_code is null
    group by located_actions.attached_commune_code
),

-- what a département holds but cannot place below it (attached codes of a known département)
attachments as (
    select
        department_code,
        attached_commune_code,
        attached_epci_siren
    from located_actions
    union all
    select
        department_code,
        attached_commune_code,
        attached_epci_siren
    from {{ ref('int_grant_files_joined') }}
    union all
    select
        department_code,
        attached_commune_code,
        attached_epci_siren
    from {{ ref('int_qpv_placed') }}
),

buckets as (
    select
        department_code,
        bool_or(attached_commune_code is null) as has_unplaced_commune
    from (
        select
            department_code,
            attached_commune_code
        from attachments
        where attached_epci_siren is null
        union all
        select
            department_code,
            commune_code as attached_commune_code
        from communes
        where epci_siren is null
    ) as unplaced
    where department_code is not null
    group by department_code
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
    case when epcis.department_code is null then 'france' else 'departement' end as parent_level,
    coalesce(epcis.department_code, 'FR') as parent_code,
    departments.region_code,
    epcis.department_code
from epcis
left join departments
    on epcis.department_code = departments.department_code

union all

select
    'epci' as territory_level,
    {{ unplaced_code('buckets.department_code') }} as territory_code,
    'EPCI non déterminé (' || coalesce(departments.department_name, buckets.department_code) || ')' as territory_name,
    'departement' as parent_level,
    buckets.department_code as parent_code,
    departments.region_code,
    buckets.department_code
from buckets
left join departments
    on buckets.department_code = departments.department_code

union all

select
    'commune' as territory_level,
    communes.commune_code as territory_code,
    coalesce(communes.commune_name, communes.commune_code) as territory_name,
    case
        when communes.epci_siren is null and communes.department_code is null then 'france'
        else 'epci'
    end as parent_level,
    coalesce(communes.epci_siren, {{ unplaced_code('communes.department_code') }}, 'FR') as parent_code,
    departments.region_code,
    communes.department_code
from communes
left join departments
    on communes.department_code = departments.department_code

union all

select
    'commune' as territory_level,
    {{ unplaced_code('buckets.department_code') }} as territory_code,
    'Commune non déterminée (' || coalesce(departments.department_name, buckets.department_code) || ')'
        as territory_name,
    'epci' as parent_level,
    {{ unplaced_code('buckets.department_code') }} as parent_code,
    departments.region_code,
    buckets.department_code
from buckets
left join departments
    on buckets.department_code = departments.department_code
where buckets.has_unplaced_commune
