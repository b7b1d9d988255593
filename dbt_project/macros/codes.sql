{#- Organisation identifier: 'siret:<14 digits>' when a SIRET is given, else 'nom:<normalised name>'
    (lower case, accents stripped, every run of non-alphanumeric characters collapsed to one space). -#}
{% macro org_id(siret, name) -%}
    case
        when nullif(trim({{ siret }}), '') is not null
            then 'siret:' || replace(trim({{ siret }}), ' ', '')
        else 'nom:' || trim(regexp_replace(lower(strip_accents(coalesce({{ name }}, ''))), '[^a-z0-9]+', ' ', 'g'))
    end
{%- endmacro %}

{#- Département read from a QPV code (QP/QN + 3 characters): '054' -> '54', '02A' -> '2A',
    '971' -> '971'. NULL when the code does not have the expected shape. -#}
{% macro department_from_qpv_code(code) -%}
    case
        when regexp_matches({{ code }}, '^Q[PN]0[0-9][0-9]') then substr({{ code }}, 4, 2)
        when regexp_matches({{ code }}, '^Q[PN]02[AB]') then substr({{ code }}, 4, 2)
        when regexp_matches({{ code }}, '^Q[PN]97[0-9]') then substr({{ code }}, 3, 3)
    end
{%- endmacro %}

{#- Generation of a QPV code, read from its prefix (QP = 2015, QN = 2024: the contract's
    QPV_GENERATIONS, raw.qpv_generations); NULL for no known prefix. -#}
{% macro generation_from_qpv_code(code) -%}
    (
        select max(generations.generation)
        from {{ ref('stg_raw__qpv_generations') }} as generations
        where starts_with({{ code }}, generations.code_prefix)
    )
{%- endmacro %}

{#- Département of an INSEE commune code: first 3 characters overseas (97x), else first 2 (2A/2B included). -#}
{% macro department_from_commune_code(code) -%}
    case
        when {{ code }} like '97%' then substr({{ code }}, 1, 3)
        when length({{ code }}) >= 2 then substr({{ code }}, 1, 2)
    end
{%- endmacro %}

{#- QPV generation in force for a campaign year in a département, read from the contract
    (returns/contract.py QPV_GENERATIONS, loaded as raw.qpv_generations by the reference asset):
    the newest generation whose first campaign (overseas for 97x) is reached, the oldest before any. -#}
{% macro campaign_generation(campaign_year, department_code) -%}
    (
        select
            coalesce(
                max(generations.generation) filter (
                    where case
                        when {{ department_code }} like '97%' then generations.first_campaign_overseas
                        else generations.first_campaign
                    end <= {{ campaign_year }}
                ),
                min(generations.generation)
            )
        from {{ ref('stg_raw__qpv_generations') }} as generations
    )
{%- endmacro %}

{#- Ratio that is NULL when the denominator is 0 or NULL, rounded to 10 decimals: sums of
    doubles run in parallel can differ in their last bit between two builds of the same data,
    and a published figure or export must not flip with them. -#}
{% macro safe_divide(numerator, denominator) -%}
    round(cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0), 10)
{%- endmacro %}

{#- "Other funders", the one definition behind leverage and the co-funded share: every funder
    except State credits (politique de la ville, programme 147, and other State lines) and the
    porteur's own funds, which the funding section shows as lines of their own. -#}
{% macro is_other_funder(funder) -%}
    ({{ funder }} not in ('etat_politique_ville', 'etat_autre', 'fonds_propres'))
{%- endmacro %}

{#- Euros as exact decimals for sums: a sum of doubles depends on the order DuckDB's threads
    add them up, and two builds of the same data must give the same bytes. -#}
{% macro money(column) -%}
    cast({{ column }} as decimal(18, 2))
{%- endmacro %}
