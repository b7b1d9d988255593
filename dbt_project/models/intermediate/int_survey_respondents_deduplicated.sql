-- Survey respondents in force: files not withdrawn, one answer per structure and
-- questionnaire (that of the newest file, as for the returns), placed in their région.

with respondents as (
    select respondents.*
    from {{ ref('stg_raw__survey_respondents') }} as respondents
    left join {{ ref('stg_raw__files') }} as files
        on respondents.file_hash = files.file_hash
    where
        files.retracted_at is null
        and respondents.porteur_siret is not null
        and respondents.questionnaire is not null
),

latest as (
    select *
    from respondents
    qualify row_number() over (
            partition by questionnaire, porteur_siret
            order by received_at desc nulls last, ingested_at desc nulls last, file_hash desc, line asc
        ) = 1
)

select
    latest.file_hash || '|' || coalesce(latest.sheet, '') || '|' || latest.line as respondent_id,
    latest.file_hash,
    latest.file_name,
    latest.sheet,
    latest.line,
    latest.questionnaire,
    latest.wave,
    latest.campaign_year,
    latest.porteur_siret,
    'siret:' || latest.porteur_siret as porteur_org_id,
    latest.department_code,
    departments.region_code,
    latest.porteur_category,
    latest.submitted_at
from latest
left join {{ ref('ref_departments') }} as departments
    on latest.department_code = departments.department_code
