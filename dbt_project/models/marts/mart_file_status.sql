-- One row per file of raw.files (every version received), with what became of its rows and
-- its rejected rows by rule.

with files as (
    select * from {{ ref('stg_raw__files') }}
),

activity as (
    select
        file_hash,
        count(*) as activity_rows
    from {{ ref('stg_raw__actions') }}
    group by file_hash
),

partner_rows as (
    select
        file_hash,
        count(*) as partner_rows
    from {{ ref('stg_raw__partners') }}
    group by file_hash
),

funding as (
    select
        file_hash,
        count(*) as funding_rows
    from {{ ref('stg_raw__funding_lines') }}
    group by file_hash
),

current_actions as (
    select
        file_hash,
        count(*) as actions_current
    from {{ ref('int_actions_versioned') }}
    group by file_hash
),

quarantine as (
    select * from {{ ref('stg_raw__quarantine') }}
),

rejected_lines as (
    select
        file_hash,
        count(distinct coalesce(sheet, '') || '#' || line) as rejected_lines
    from quarantine
    where line is not null
    group by file_hash
),

file_level as (
    select
        file_hash,
        string_agg(distinct reason, ' ; ' order by reason) as file_rejection_reason
    from quarantine
    where line is null
    group by file_hash
),

by_rule as (
    select
        file_hash,
        coalesce(rule, 'inconnue') as rule_name,
        count(distinct coalesce(sheet, '') || '#' || coalesce(cast(line as varchar), 'fichier')) as rejected
    from quarantine
    group by file_hash, coalesce(rule, 'inconnue')
),

rules as (
    select
        file_hash,
        count(*) as rules_broken,
        string_agg(rule_name || ' : ' || rejected, ' ; ' order by rejected desc, rule_name asc) as rejected_by_rule
    from by_rule
    group by file_hash
)

select
    cast(files.file_hash as varchar) as file_hash,
    cast(files.file_name as varchar) as file_name,
    cast(files.size_bytes as bigint) as size_bytes,
    cast(files.received_at as timestamp) as received_at,
    cast(files.ingested_at as timestamp) as ingested_at,
    cast(files.status as varchar) as status,
    cast(files.kinds as varchar) as kinds,
    cast(files.rows_read as integer) as rows_read,
    cast(files.rows_accepted as integer) as rows_accepted,
    cast(files.rows_quarantined as integer) as rows_quarantined,
    cast(files.rows_ignored as integer) as rows_ignored,
    cast(files.dropped_columns as varchar) as dropped_columns,
    cast(files.extra_columns as varchar) as extra_columns,
    cast(files.retracted_at as timestamp) as retracted_at,
    cast(files.retracted_at is not null as boolean) as is_retracted,
    cast(files.retraction_reason as varchar) as retraction_reason,
    cast(files.report_path as varchar) as report_path,
    cast(coalesce(activity.activity_rows, 0) as bigint) as activity_rows,
    cast(coalesce(partner_rows.partner_rows, 0) as bigint) as partner_rows,
    cast(coalesce(funding.funding_rows, 0) as bigint) as funding_rows,
    cast(coalesce(current_actions.actions_current, 0) as bigint) as actions_current,
    cast(coalesce(activity.activity_rows, 0) - coalesce(current_actions.actions_current, 0) as bigint)
        as actions_superseded,
    cast(coalesce(rejected_lines.rejected_lines, 0) as bigint) as rejected_lines,
    cast(file_level.file_rejection_reason as varchar) as file_rejection_reason,
    cast(coalesce(rules.rules_broken, 0) as bigint) as rules_broken,
    cast(rules.rejected_by_rule as varchar) as rejected_by_rule
from files
left join activity
    on files.file_hash = activity.file_hash
left join partner_rows
    on files.file_hash = partner_rows.file_hash
left join funding
    on files.file_hash = funding.file_hash
left join current_actions
    on files.file_hash = current_actions.file_hash
left join rejected_lines
    on files.file_hash = rejected_lines.file_hash
left join file_level
    on files.file_hash = file_level.file_hash
left join rules
    on files.file_hash = rules.file_hash
