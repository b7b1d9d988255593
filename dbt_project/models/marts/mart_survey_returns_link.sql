-- What porteurs answered beside what their returns say (see mart_survey_returns_link.yml):
-- per territory × questionnaire × linked question × option, the actions of the campaign the
-- questionnaire is about, of the porteurs who gave that answer (joined by SIRET).

with linked as (
    select *
    from {{ ref('int_survey_answers_joined') }}
    where returns_link and option_code is not null
),

porteur_actions as (
    select
        porteur_org_id,
        campaign_year,
        count(*) as actions,
        count(*) filter (where partner_count >= 2) as actions_2plus_partners
    from {{ ref('fct_actions') }}
    group by porteur_org_id, campaign_year
),

joined as (
    select
        linked.*,
        porteur_actions.actions,
        porteur_actions.actions_2plus_partners
    from linked
    left join porteur_actions
        on
            linked.porteur_org_id = porteur_actions.porteur_org_id
            and linked.campaign_year = porteur_actions.campaign_year
),

rolled as (
    {{ survey_rollup('joined', by_category=false) }}
),

measures as (
    select
        territory_level,
        territory_code,
        questionnaire,
        question_code,
        option_code,
        count(distinct respondent_id) as respondents,
        count(distinct respondent_id) filter (where actions is not null) as respondents_with_returns,
        coalesce(sum(actions), 0) as actions,
        coalesce(sum(actions_2plus_partners), 0) as actions_2plus_partners
    from rolled
    group by territory_level, territory_code, questionnaire, question_code, option_code
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
    cast(measures.territory_level as varchar) as territory_level,
    cast(measures.territory_code as varchar) as territory_code,
    cast(coalesce(territories.territory_name, measures.territory_code) as varchar) as territory_name,
    cast(measures.questionnaire as varchar) as questionnaire,
    cast(questions.wave as integer) as wave,
    cast(questions.campaign_year as integer) as campaign_year,
    cast(measures.question_code as varchar) as question_code,
    cast(questions.question_label as varchar) as question_label,
    cast(measures.option_code as varchar) as option_code,
    cast(options.option_label as varchar) as option_label,
    cast(measures.respondents as bigint) as respondents,
    cast(measures.respondents_with_returns as bigint) as respondents_with_returns,
    cast(measures.actions as bigint) as actions,
    cast(measures.actions_2plus_partners as bigint) as actions_2plus_partners,
    {{ safe_divide('measures.actions_2plus_partners', 'measures.actions') }} as share_actions_2plus_partners
from measures
inner join questions
    on
        measures.questionnaire = questions.questionnaire
        and measures.question_code = questions.question_code
inner join options
    on
        measures.questionnaire = options.questionnaire
        and measures.question_code = options.question_code
        and measures.option_code = options.option_code
left join territories
    on
        measures.territory_level = territories.territory_level
        and measures.territory_code = territories.territory_code
