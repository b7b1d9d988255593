select
    cast(qpv_code as varchar) as qpv_code,
    cast(generation as integer) as generation,
    cast(qpv_name as varchar) as qpv_name,
    cast(commune_codes as varchar) as commune_codes,
    cast(main_commune_code as varchar) as main_commune_code,
    cast(epci_siren as varchar) as epci_siren,
    cast(epci_name as varchar) as epci_name,
    cast(department_code as varchar) as department_code,
    cast(region_code as varchar) as region_code,
    cast(is_official as boolean) as is_official,
    cast(placement as varchar) as placement
from {{ ref('int_qpv_placed') }}
