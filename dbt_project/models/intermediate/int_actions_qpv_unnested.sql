-- One row per (latest action, QPV code cited), with the code's position in codes_qpv
-- (1 = the main QPV). A code cited twice in the same action is kept once, at its first position.

with exploded as (
    select
        action_id,
        campaign_year,
        scheme,
        unnest(string_split(qpv_codes, ';')) as raw_code,
        unnest(generate_series(1, len(string_split(qpv_codes, ';')))) as raw_position
    from {{ ref('int_actions_versioned') }}
    where qpv_codes is not null
),

cleaned as (
    select
        action_id,
        campaign_year,
        scheme,
        upper(trim(raw_code)) as qpv_code,
        raw_position
    from exploded
    where trim(raw_code) != ''
)

select
    action_id,
    campaign_year,
    scheme,
    qpv_code,
    cast(row_number() over (partition by action_id order by min(raw_position)) as integer) as qpv_position
from cleaned
group by action_id, campaign_year, scheme, qpv_code
