-- Funded grant files (a latest funding line with amount_granted > 0) with no activity return,
-- with what is known of the porteur: the funding export's title and SIRET, and the returns
-- the same porteur (by SIRET) did send, this campaign and before (for the relances).

with missing as (
    select *
    from {{ ref('int_grant_files_joined') }}
    where is_funded and not has_return
),

funding_details as (
    select
        action_id,
        arg_min(action_title, funder) as action_title,
        arg_min(porteur_siret, funder) as porteur_siret
    from {{ ref('int_funding_lines_versioned') }}
    group by action_id
),

porteur_returns as (
    select
        porteur_siret,
        campaign_year,
        count(*) as returns
    from {{ ref('int_actions_versioned') }}
    where porteur_siret is not null
    group by porteur_siret, campaign_year
),

porteur_history as (
    select
        missing.action_id,
        coalesce(sum(porteur_returns.returns) filter (
            where porteur_returns.campaign_year = missing.campaign_year
        ), 0) as porteur_returns_this_campaign,
        max(porteur_returns.campaign_year) as porteur_last_return_campaign
    from missing
    inner join funding_details
        on missing.action_id = funding_details.action_id
    left join porteur_returns
        on funding_details.porteur_siret = porteur_returns.porteur_siret
    group by missing.action_id
)

select
    cast(missing.campaign_year as integer) as campaign_year,
    cast(missing.scheme as varchar) as scheme,
    cast(missing.grant_file as varchar) as grant_file,
    cast(missing.department_code as varchar) as department_code,
    cast(missing.porteur_name as varchar) as porteur_name,
    cast(missing.amount_granted as double) as amount_granted,
    cast(funding_details.action_title as varchar) as action_title,
    cast(funding_details.porteur_siret as varchar) as porteur_siret,
    cast(coalesce(porteur_history.porteur_returns_this_campaign, 0) as bigint) as porteur_returns_this_campaign,
    cast(porteur_history.porteur_last_return_campaign as integer) as porteur_last_return_campaign
from missing
left join funding_details
    on missing.action_id = funding_details.action_id
left join porteur_history
    on missing.action_id = porteur_history.action_id
