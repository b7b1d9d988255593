{#-
    Explode each row of `relation` (which must carry campaign_year, scheme, department_code,
    region_code) into one row per territory level and per scheme key:
      territory_level  'france' (code 'FR') / 'region' / 'departement'
      rollup_scheme    the row's scheme, and 'ALL'
    Rows whose territory code is unknown at a level are dropped at that level only (they still
    count in France). Aggregating afterwards by (territory_level, territory_code, campaign_year,
    rollup_scheme) recomputes every measure, distinct counts included, at its own level.
-#}
{% macro territory_rollup(relation, levels=['france', 'region', 'departement'], schemes='both') -%}
    select *
    from (
        select
            rolled_source.*,
            rollup_levels.territory_level,
            case rollup_levels.territory_level
                when 'france' then 'FR'
                when 'region' then rolled_source.region_code
                when 'departement' then rolled_source.department_code
            end as territory_code,
            case when rollup_schemes.is_all then 'ALL' else rolled_source.scheme end as rollup_scheme
        from {{ relation }} as rolled_source
        cross join (
            values {% for level in levels %}('{{ level }}'){{ ", " if not loop.last }}{% endfor %}
        ) as rollup_levels (territory_level)
        cross join (
            values {% if schemes == 'both' %}(false), (true){% elif schemes == 'all' %}(true){% else %}(false){% endif %}
        ) as rollup_schemes (is_all)
    ) as exploded
    where territory_code is not null
{%- endmacro %}
