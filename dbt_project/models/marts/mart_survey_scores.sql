-- Cooperation-practice score per territory × questionnaire × porteur category × question
-- group (see mart_survey_scores.yml): each Likert answer scaled to 0–100 on its own scale,
-- averaged per respondent over the group's items answered, then over respondents.

with scales as (
    select
        questionnaire,
        question_code,
        min(score) as lowest,
        max(score) as highest
    from {{ ref('stg_raw__survey_options') }}
    group by questionnaire, question_code
),

items as (
    select
        answers.*,
        100.0 * (answers.value_number - scales.lowest) / nullif(scales.highest - scales.lowest, 0) as item_score
    from {{ ref('int_survey_answers_joined') }} as answers
    inner join scales
        on
            answers.questionnaire = scales.questionnaire
            and answers.question_code = scales.question_code
    where answers.group_code is not null and answers.value_number is not null
),

per_respondent as (
    select
        respondent_id,
        questionnaire,
        campaign_year,
        department_code,
        region_code,
        porteur_category,
        group_code,
        -- rounded: a float mean depends on the order rows arrive in, a mart must not
        round(avg(item_score), 10) as score
    from items
    group by respondent_id, questionnaire, campaign_year, department_code, region_code, porteur_category, group_code
),

rolled as (
    {{ survey_rollup('per_respondent') }}
),

groups as (
    select distinct
        questionnaire,
        wave,
        campaign,
        group_code,
        group_label
    from {{ ref('stg_raw__survey_questions') }}
    where group_code is not null
),

territories as (
    select * from {{ ref('dim_territories') }}
)

select
    cast(rolled.territory_level as varchar) as territory_level,
    cast(rolled.territory_code as varchar) as territory_code,
    cast(coalesce(any_value(territories.territory_name), rolled.territory_code) as varchar) as territory_name,
    cast(rolled.questionnaire as varchar) as questionnaire,
    cast(any_value(groups.wave) as integer) as wave,
    cast(any_value(groups.campaign) as varchar) as campaign,
    cast(rolled.rollup_scheme as varchar) as porteur_category,
    cast(rolled.group_code as varchar) as group_code,
    cast(any_value(groups.group_label) as varchar) as group_label,
    cast(count(*) as bigint) as respondents,
    cast(round(avg(rolled.score), 10) as double) as mean_score
from rolled
inner join groups
    on rolled.questionnaire = groups.questionnaire and rolled.group_code = groups.group_code
left join territories
    on
        rolled.territory_level = territories.territory_level
        and rolled.territory_code = territories.territory_code
group by rolled.territory_level, rolled.territory_code, rolled.questionnaire, rolled.rollup_scheme, rolled.group_code
