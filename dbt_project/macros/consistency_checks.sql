{#- Helpers of the singular tests in tests/: totals that must add up along the territory tree
    and ratios that must be recomputed from their sums. -#}

{#- True when two numbers differ: one NULL and not the other, or a relative gap > 1e-9. -#}
{% macro values_differ(actual, expected) -%}
    (
        case
            when ({{ actual }}) is null or ({{ expected }}) is null
                then (({{ actual }}) is null) != (({{ expected }}) is null)
            else
                abs(cast({{ actual }} as double) - cast({{ expected }} as double))
                > 1e-9 * greatest(1, abs(cast({{ expected }} as double)))
        end
    )
{%- endmacro %}

{#-
    The ratios of a row that are not recomputed from that row's sums: `ratios` is a list of
    [ratio, numerator, denominator] expressions; the result names each differing ratio with
    its value ('' when all agree).
-#}
{% macro ratio_mismatches(ratios) -%}
    concat_ws(
        ' ; ',
        {%- for ratio, numerator, denominator in ratios %}
            case
                when {{ ratio_differs(ratio, numerator, denominator) }}
                    then '{{ ratio.split('.')[-1] }} ' || coalesce(cast({{ ratio }} as varchar), 'NULL')
            end{{ "," if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{#- True when a ratio column is not numerator ÷ denominator of its own row (NULL when the
    denominator is 0 or NULL). -#}
{% macro ratio_differs(ratio, numerator, denominator) -%}
    {{ values_differ(ratio, safe_divide(numerator, denominator)) }}
{%- endmacro %}

{#-
    Rows of a per-territory mart whose additive measures are not the sum of those of the
    territory's children in dim_territories (parent_level / parent_code): France = régions
    (and départements without région), région = its départements, département = its EPCI
    (buckets included), EPCI = its communes. One row per parent × keys, `mismatches` naming
    each measure with its value and the children's sum.

    model     the mart (a relation)
    measures  additive columns; NULL counts as 0 on both sides
    levels    the mart's territory levels, top first: the last one is the leaf
    keys      the other columns of the grain (campaign_year, scheme, funder, ...)
    known_parent_measures  columns that are NULL when any part is unknown (young_population):
              compared only where the parent's value is known
    A département holding communes of an EPCI attached to another département (an EPCI across
    two départements, reported whole under one) cannot be the sum of its EPCI: its
    département = EPCI comparison is left out.
-#}
{% macro hierarchy_mismatches(model, measures, levels, keys=['campaign_year', 'scheme'], known_parent_measures=[]) -%}
    {%- set all_measures = measures + known_parent_measures -%}
    with territories as (
        select * from {{ ref('dim_territories') }}
    ),

    -- Départements whose communes and EPCI disagree (an EPCI across two départements): both
    -- sides are left out of the département = sum of its EPCI check.
    split_departments as (
        select distinct unnest([communes.department_code, epcis.department_code]) as department_code
        from territories as communes
        inner join territories as epcis
            on
                communes.parent_level = epcis.territory_level
                and communes.parent_code = epcis.territory_code
        where
            communes.territory_level = 'commune'
            and epcis.territory_level = 'epci'
            and communes.department_code != epcis.department_code
    ),

    mart_rows as (
        select * from {{ model }}
        where territory_level in ({% for level in levels %}'{{ level }}'{{ ", " if not loop.last }}{% endfor %})
    ),

    children as (
        select
            territories.parent_level as territory_level,
            territories.parent_code as territory_code,
            {%- for key in keys %}
            mart_rows.{{ key }},
            {%- endfor %}
            {%- for measure in all_measures %}
            sum(coalesce(mart_rows.{{ measure }}, 0)) as {{ measure }}{{ "," if not loop.last }}
            {%- endfor %}
        from mart_rows
        inner join territories
            on
                mart_rows.territory_level = territories.territory_level
                and mart_rows.territory_code = territories.territory_code
        where territories.parent_level in ({% for level in levels[:-1] %}'{{ level }}'{{ ", " if not loop.last }}{% endfor %})
        group by all
    ),

    parents as (
        select * from mart_rows
        where territory_level != '{{ levels[-1] }}'
    ),

    compared as (
        select
            coalesce(parents.territory_level, children.territory_level) as territory_level,
            coalesce(parents.territory_code, children.territory_code) as territory_code,
            {%- for key in keys %}
            coalesce(parents.{{ key }}, children.{{ key }}) as {{ key }},
            {%- endfor %}
            concat_ws(
                ' ; '
                {%- for measure in measures %},
                case
                    when {{ values_differ('coalesce(parents.' ~ measure ~ ', 0)', 'coalesce(children.' ~ measure ~ ', 0)') }}
                        then '{{ measure }} ' || coalesce(parents.{{ measure }}, 0) || ' != '
                        || coalesce(children.{{ measure }}, 0)
                end
                {%- endfor %}
                {%- for measure in known_parent_measures %},
                case
                    when
                        parents.{{ measure }} is not null
                        and {{ values_differ('parents.' ~ measure, 'coalesce(children.' ~ measure ~ ', 0)') }}
                        then '{{ measure }} ' || parents.{{ measure }} || ' != ' || coalesce(children.{{ measure }}, 0)
                end
                {%- endfor %}
            ) as mismatches
        from parents
        full outer join children
            on
                parents.territory_level = children.territory_level
                and parents.territory_code = children.territory_code
                {%- for key in keys %}
                and parents.{{ key }} = children.{{ key }}
                {%- endfor %}
    )

    select *
    from compared
    where
        mismatches != ''
        and not (
            territory_level = 'departement'
            and territory_code in (select split_departments.department_code from split_departments)
        )
{%- endmacro %}
