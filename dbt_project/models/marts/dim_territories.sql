select
    cast(territory_level as varchar) as territory_level,
    cast(territory_code as varchar) as territory_code,
    cast(territory_name as varchar) as territory_name,
    cast(parent_level as varchar) as parent_level,
    cast(parent_code as varchar) as parent_code,
    cast(region_code as varchar) as region_code,
    cast(department_code as varchar) as department_code
from {{ ref('int_territories_unioned') }}
