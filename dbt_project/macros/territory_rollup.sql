{#-
    Explode each row of `relation` into one row per territory level and per scheme key:
      territory_level  'france' (code 'FR') / 'region' / 'departement' / 'epci' / 'commune'
      rollup_scheme    the row's scheme, and 'ALL'
    The relation must carry campaign_year, scheme, department_code, region_code, and, for the
    levels 'epci' and 'commune', attached_epci_siren and attached_commune_code (the row's EPCI
    and commune of attachment, NULL when unknown).
    Rows whose territory code is unknown at a level are dropped at that level only (they still
    count in France). Below the département, a row of a known département whose EPCI (or
    commune) is unknown goes to the département's "non déterminé" bucket (unplaced_code), so
    that a département is exactly the sum of its EPCI and of its communes.
    Aggregating afterwards by (territory_level, territory_code, campaign_year, rollup_scheme)
    recomputes every measure, distinct counts included, at its own level.
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
                {%- if 'epci' in levels %}
                when 'epci' then coalesce(
                    rolled_source.attached_epci_siren, {{ unplaced_code('rolled_source.department_code') }}
                )
                {%- endif %}
                {%- if 'commune' in levels %}
                when 'commune' then coalesce(
                    rolled_source.attached_commune_code, {{ unplaced_code('rolled_source.department_code') }}
                )
                {%- endif %}
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

{#- Every territory level of the per-territory marts that go below the département. -#}
{% macro all_territory_levels() -%}
    {{ return(['france', 'region', 'departement', 'epci', 'commune']) }}
{%- endmacro %}

{#- Code of a département's "non déterminé" bucket at the EPCI and commune levels: '54' ->
    '54_ND'. It holds what the département has but cannot place below it (a grant file without
    return, a QPV code absent from the referential, a commune unknown to the referential...).
    NULL when the département itself is unknown. -#}
{% macro unplaced_code(department_code) -%}
    ({{ department_code }} || '_ND')
{%- endmacro %}

{#- Join condition of two relations on the same cell (territory × campaign × scheme):
    `on {{ same_cell('spine', 'measures') }}`. `keys` narrows or widens the cell. -#}
{% macro same_cell(left, right, keys=['territory_level', 'territory_code', 'campaign_year', 'scheme']) -%}
    {%- for key in keys %}{{ left }}.{{ key }} = {{ right }}.{{ key }}{{ ' and ' if not loop.last }}{% endfor -%}
{%- endmacro %}

{#- The columns a row is placed and counted by in `territory_rollup` (its campaign and scheme
    with the codes of its places), qualified by `relation` when given: a model sums its
    measures per place before the roll-up, which multiplies each row by its levels and scheme
    keys. -#}
{% macro rollup_place_columns(relation=none) -%}
    {%- for column in [
        'campaign_year', 'scheme', 'department_code', 'region_code', 'attached_epci_siren',
        'attached_commune_code'
    ] -%}
        {{ relation ~ '.' if relation }}{{ column }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
