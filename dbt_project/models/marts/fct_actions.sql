with partner_counts as (
    select
        action_id,
        count(*) as partner_count
    from {{ ref('int_partners_versioned') }}
    group by action_id
)

select
    cast(actions.action_id as varchar) as action_id,
    cast(actions.campaign_year as integer) as campaign_year,
    cast(actions.scheme as varchar) as scheme,
    cast(actions.grant_file as varchar) as grant_file,
    cast(actions.action_title as varchar) as action_title,
    cast(actions.porteur_org_id as varchar) as porteur_org_id,
    cast(actions.porteur_name as varchar) as porteur_name,
    cast(actions.porteur_category as varchar) as porteur_category,
    cast(actions.theme as varchar) as theme,
    cast(actions.start_date as date) as start_date,
    cast(actions.end_date as date) as end_date,
    cast(located.main_qpv_code as varchar) as main_qpv_code,
    cast(located.qpv_count as integer) as qpv_count,
    cast(actions.commune_code as varchar) as commune_code,
    cast(located.department_code as varchar) as department_code,
    cast(located.region_code as varchar) as region_code,
    cast(actions.sessions as integer) as sessions,
    cast(actions.participants as integer) as participants,
    cast(
        coalesce(actions.age_6_11, 0) + coalesce(actions.age_12_17, 0) + coalesce(actions.age_18_25, 0)
        as integer
    ) as young_participations,
    cast(actions.qpv_residents as integer) as qpv_residents,
    -- young participations of QPV residents, estimated as young × residents ÷ participants;
    -- an exact decimal so that its sums do not depend on the order they are added in
    cast(
        case
            when actions.participants > 0
                then
                    (coalesce(actions.age_6_11, 0) + coalesce(actions.age_12_17, 0) + coalesce(actions.age_18_25, 0))
                    * cast(actions.qpv_residents as double) / actions.participants
            else 0
        end as decimal(18, 6)
    ) as estimated_young_qpv_participations,
    cast(actions.girls as integer) as girls,
    cast(actions.boys as integer) as boys,
    cast(actions.age_0_5 as integer) as age_0_5,
    cast(actions.age_6_11 as integer) as age_6_11,
    cast(actions.age_12_17 as integer) as age_12_17,
    cast(actions.age_18_25 as integer) as age_18_25,
    cast(actions.age_26_59 as integer) as age_26_59,
    cast(actions.age_60_plus as integer) as age_60_plus,
    cast(actions.realised_cost as double) as realised_cost,
    cast(coalesce(partner_counts.partner_count, 0) as integer) as partner_count,
    cast(coalesce(grant_files.is_funded, false) as boolean) as has_funding,
    cast(actions.file_hash as varchar) as file_hash,
    cast(actions.file_name as varchar) as file_name,
    cast(actions.versions_received as integer) as versions_received,
    cast(located.attached_commune_code as varchar) as attached_commune_code,
    cast(located.attached_epci_siren as varchar) as attached_epci_siren
from {{ ref('int_actions_versioned') }} as actions
inner join {{ ref('int_actions_located') }} as located
    on actions.action_id = located.action_id
left join partner_counts
    on actions.action_id = partner_counts.action_id
left join {{ ref('int_grant_files_joined') }} as grant_files
    on actions.action_id = grant_files.action_id
