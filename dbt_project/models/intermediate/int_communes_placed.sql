-- One row per commune of the QPV referential (both generations), with its EPCI and
-- département: the commune → EPCI → département tree below the département. A commune listed
-- on several rows takes the values of its row of the MOST RECENT generation (EPCI merge and
-- rename since 2015), then of the first such row in the referential's row order. Its
-- département is the referential's, else read from the INSEE code.

with referential_rows as (
    select
        *,
        coalesce(generation, {{ generation_from_qpv_code('qpv_code') }}) as row_generation
    from {{ ref('stg_raw__qpv_communes') }}
    where
        qpv_code is not null
        and commune_code is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by commune_code
            order by row_generation desc nulls last, referential_row asc
        ) as commune_rank
    from referential_rows
)

select
    commune_code,
    commune_name,
    epci_siren,
    epci_name,
    coalesce(department_code, {{ department_from_commune_code('commune_code') }}) as department_code,
    referential_row as first_row
from ranked
where commune_rank = 1
