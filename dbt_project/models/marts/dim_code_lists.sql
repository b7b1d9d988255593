-- The contract's code lists with their French labels, as the warehouse holds them: the one
-- source of the labels the site prints (dashboards read this mart, not a copy).
select
    cast(list_name as varchar) as list_name,
    cast(code as varchar) as code,
    cast(label as varchar) as label
from {{ ref('stg_raw__code_lists') }}
