-- One row per QPV code, both generations. A QPV spanning several communes (several rows of
-- the referential) is counted once: its main commune, EPCI, département and région are those
-- of its first row in the referential's row order. A code cited by a latest action but absent
-- from the referential is still placed in its département, read from the code itself
-- (placement = 'departement_seul').
-- Below the département (EPCI and commune levels), a QPV is attached to its main commune, when
-- int_communes_placed places that commune in the QPV's département, and to that commune's EPCI
-- (int_communes_placed: the most recent generation's); a 'departement_seul' QPV is attached to
-- neither (the département's "non déterminé" bucket of the marts).

with referential_rows as (
    select *
    from {{ ref('stg_raw__qpv_communes') }}
    where qpv_code is not null
),

qpv_communes as (
    -- a (QPV, commune) pair loaded twice counts once, at its first row
    select
        qpv_code,
        commune_code,
        min(referential_row) as first_row
    from referential_rows
    group by qpv_code, commune_code
),

commune_lists as (
    select
        qpv_code,
        string_agg(commune_code, ';' order by first_row) as commune_codes
    from qpv_communes
    where commune_code is not null
    group by qpv_code
),

ranked_rows as (
    select
        *,
        row_number() over (partition by qpv_code order by referential_row) as row_rank
    from referential_rows
),

first_rows as (
    select *
    from ranked_rows
    where row_rank = 1
),

from_referential as (
    select
        first_rows.qpv_code,
        coalesce(first_rows.generation, {{ generation_from_qpv_code('first_rows.qpv_code') }}) as generation,
        first_rows.qpv_name,
        commune_lists.commune_codes,
        first_rows.commune_code as main_commune_code,
        first_rows.commune_name as main_commune_name,
        first_rows.epci_siren,
        first_rows.epci_name,
        coalesce(
            first_rows.department_code, {{ department_from_qpv_code('first_rows.qpv_code') }}
        ) as department_code,
        first_rows.region_code,
        first_rows.is_official,
        'referentiel' as placement
    from first_rows
    left join commune_lists
        on first_rows.qpv_code = commune_lists.qpv_code
),

cited_only as (
    select distinct cited.qpv_code
    from {{ ref('int_actions_qpv_unnested') }} as cited
    left join first_rows
        on cited.qpv_code = first_rows.qpv_code
    where first_rows.qpv_code is null
),

from_code as (
    select
        qpv_code,
        {{ generation_from_qpv_code('qpv_code') }} as generation,
        cast(null as varchar) as qpv_name,
        cast(null as varchar) as commune_codes,
        cast(null as varchar) as main_commune_code,
        cast(null as varchar) as main_commune_name,
        cast(null as varchar) as epci_siren,
        cast(null as varchar) as epci_name,
        {{ department_from_qpv_code('qpv_code') }} as department_code,
        cast(null as varchar) as region_code,
        cast(null as boolean) as is_official,
        'departement_seul' as placement
    from cited_only
    where {{ department_from_qpv_code('qpv_code') }} is not null
),

all_qpv as (
    select * from from_referential
    union all
    select * from from_code
),

population as (
    select
        qpv_code,
        max(population) as population,
        max(young_population) as young_population
    from {{ ref('stg_raw__qpv_population') }}
    where qpv_code is not null
    group by qpv_code
)

select
    all_qpv.qpv_code,
    cast(all_qpv.generation as integer) as generation,
    all_qpv.qpv_name,
    all_qpv.commune_codes,
    all_qpv.main_commune_code,
    all_qpv.main_commune_name,
    all_qpv.epci_siren,
    all_qpv.epci_name,
    all_qpv.department_code,
    coalesce(departments.region_code, all_qpv.region_code) as region_code,
    all_qpv.is_official,
    all_qpv.placement,
    population.population,
    population.young_population,
    communes.commune_code as attached_commune_code,
    communes.epci_siren as attached_epci_siren
from all_qpv
left join {{ ref('ref_departments') }} as departments
    on all_qpv.department_code = departments.department_code
left join {{ ref('int_communes_placed') }} as communes
    on
        all_qpv.main_commune_code = communes.commune_code
        and all_qpv.department_code = communes.department_code
left join population
    on all_qpv.qpv_code = population.qpv_code
