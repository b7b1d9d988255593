-- What porteurs answered, per territory × questionnaire × porteur category × question ×
-- option (see mart_survey_answers.yml). Per porteur category and 'ALL', every category
-- together, recomputed from the respondents (macro survey_rollup).

with answers as (
    select *
    from {{ ref('int_survey_answers_joined') }}
    where kind in ('single', 'multiple', 'likert')
),

rolled as (
    {{ survey_rollup('answers') }}
),

respondents as (
    select
        territory_level,
        territory_code,
        rollup_scheme as porteur_category,
        questionnaire,
        question_code,
        count(distinct respondent_id) as respondents
    from rolled
    group by territory_level, territory_code, rollup_scheme, questionnaire, question_code
),

counts as (
    select
        territory_level,
        territory_code,
        rollup_scheme as porteur_category,
        questionnaire,
        question_code,
        option_code,
        count(distinct respondent_id) as answers
    from rolled
    group by territory_level, territory_code, rollup_scheme, questionnaire, question_code, option_code
),

questions as (
    select * from {{ ref('stg_raw__survey_questions') }}
),

options as (
    select * from {{ ref('stg_raw__survey_options') }}
),

territories as (
    select * from {{ ref('dim_territories') }}
)

select
    cast(respondents.territory_level as varchar) as territory_level,
    cast(respondents.territory_code as varchar) as territory_code,
    cast(coalesce(territories.territory_name, respondents.territory_code) as varchar) as territory_name,
    cast(territories.parent_level as varchar) as parent_level,
    cast(territories.parent_code as varchar) as parent_code,
    cast(respondents.questionnaire as varchar) as questionnaire,
    cast(questions.wave as integer) as wave,
    cast(questions.campaign as varchar) as campaign,
    cast(respondents.porteur_category as varchar) as porteur_category,
    cast(respondents.question_code as varchar) as question_code,
    cast(questions.position as integer) as question_position,
    cast(questions.question_label as varchar) as question_label,
    cast(questions.kind as varchar) as question_kind,
    cast(options.option_code as varchar) as option_code,
    cast(options.position as integer) as option_position,
    cast(options.option_label as varchar) as option_label,
    cast(respondents.respondents as bigint) as respondents,
    cast(coalesce(counts.answers, 0) as bigint) as answers,
    {{ safe_divide('coalesce(counts.answers, 0)', 'respondents.respondents') }} as answer_share
from respondents
inner join questions
    on
        respondents.questionnaire = questions.questionnaire
        and respondents.question_code = questions.question_code
inner join options
    on
        respondents.questionnaire = options.questionnaire
        and respondents.question_code = options.question_code
left join counts
    on
        respondents.territory_level = counts.territory_level
        and respondents.territory_code = counts.territory_code
        and respondents.porteur_category = counts.porteur_category
        and respondents.questionnaire = counts.questionnaire
        and respondents.question_code = counts.question_code
        and options.option_code = counts.option_code
left join territories
    on
        respondents.territory_level = territories.territory_level
        and respondents.territory_code = territories.territory_code
