{#-
    The survey marts' territory roll-up: the rows of `relation` (carrying campaign_year,
    department_code, region_code and porteur_category) exploded by territory_rollup, the
    porteur category in the scheme's place.
      by_category=true   each category, and 'ALL': every category together, recomputed from
                         the respondents (a row without category counts in 'ALL' only)
      by_category=false  'ALL' only
    Aggregate afterwards by (territory_level, territory_code, rollup_scheme, …).
-#}
{% macro survey_rollup(relation, by_category=true) -%}
    {%- set with_scheme -%}
        (select *, {{ 'porteur_category' if by_category else "'ALL'" }} as scheme from {{ relation }})
    {%- endset -%}
    select *
    from ({{ territory_rollup(with_scheme, schemes='both' if by_category else 'all') }}) as exploded
    where rollup_scheme is not null
{%- endmacro %}
