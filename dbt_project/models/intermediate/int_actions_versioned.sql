-- Latest version of each action (campaign_year, scheme, grant_file): the row of the newest
-- file (received_at, then ingested_at, then file_hash as a deterministic tie-break) among the
-- files that were not withdrawn (raw.files.retracted_at is null). Older versions stay in raw.

with versions as (
    {{ rows_in_force(ref('stg_raw__actions')) }}
),

version_counts as (
    select
        campaign_year,
        scheme,
        grant_file,
        count(distinct file_hash) as versions_received
    from versions
    group by campaign_year, scheme, grant_file
),

ranked as (
    select
        versions.*,
        row_number() over (
            partition by versions.campaign_year, versions.scheme, versions.grant_file
            order by
                versions.received_at desc nulls last,
                versions.ingested_at desc nulls last,
                versions.file_hash desc,
                versions.sheet desc nulls last,
                versions.line desc nulls last
        ) as version_rank
    from versions
)

select
    ranked.campaign_year || '|' || ranked.scheme || '|' || ranked.grant_file as action_id,
    ranked.campaign_year,
    ranked.scheme,
    ranked.grant_file,
    ranked.action_title,
    {{ org_id('ranked.porteur_siret', 'ranked.porteur_name') }} as porteur_org_id,
    ranked.porteur_siret,
    ranked.porteur_name,
    ranked.porteur_category,
    ranked.theme,
    ranked.start_date,
    ranked.end_date,
    ranked.qpv_codes,
    ranked.commune_code,
    ranked.sessions,
    ranked.participants,
    ranked.qpv_residents,
    ranked.girls,
    ranked.boys,
    ranked.age_0_5,
    ranked.age_6_11,
    ranked.age_12_17,
    ranked.age_18_25,
    ranked.age_26_59,
    ranked.age_60_plus,
    ranked.realised_cost,
    ranked.comment,
    ranked.file_hash,
    ranked.file_name,
    ranked.sheet,
    ranked.line,
    ranked.received_at,
    ranked.ingested_at,
    version_counts.versions_received
from ranked
inner join version_counts
    on
        ranked.campaign_year = version_counts.campaign_year
        and ranked.scheme = version_counts.scheme
        and ranked.grant_file = version_counts.grant_file
where ranked.version_rank = 1
