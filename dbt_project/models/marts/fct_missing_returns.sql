-- Funded grant files (a latest funding line with amount_granted > 0) with no activity return.

select
    cast(campaign_year as integer) as campaign_year,
    cast(scheme as varchar) as scheme,
    cast(grant_file as varchar) as grant_file,
    cast(department_code as varchar) as department_code,
    cast(porteur_name as varchar) as porteur_name,
    cast(amount_granted as double) as amount_granted
from {{ ref('int_grant_files_joined') }}
where is_funded and not has_return
