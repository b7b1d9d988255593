-- Answers of the respondents in force, with their question (kind, score group) and their
-- respondent's territory and category. Free texts are left out: no mart carries them.

select
    respondents.respondent_id,
    respondents.questionnaire,
    respondents.wave,
    respondents.campaign_year,
    respondents.porteur_org_id,
    respondents.department_code,
    respondents.region_code,
    respondents.porteur_category,
    answers.question_code,
    questions.kind,
    questions.group_code,
    questions.returns_link,
    answers.option_code,
    answers.value_number
from {{ ref('stg_raw__survey_answers') }} as answers
inner join {{ ref('int_survey_respondents_deduplicated') }} as respondents
    on
        answers.file_hash = respondents.file_hash
        and coalesce(answers.sheet, '') = coalesce(respondents.sheet, '')
        and answers.line = respondents.line
inner join {{ ref('stg_raw__survey_questions') }} as questions
    on
        answers.questionnaire = questions.questionnaire
        and answers.question_code = questions.question_code
where questions.kind != 'text'
