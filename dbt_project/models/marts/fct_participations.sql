-- Long form of fct_actions' breakdowns. Sex: 'fille' and 'garcon' are the known numbers (0 when
-- unknown), 'inconnu' the rest of the participants, so that each breakdown sums to participants.

with categories as (
    select
        category_list.breakdown,
        category_list.category,
        category_list.category_order
    from (
        values
        ('age', '0_5', 1),
        ('age', '6_11', 2),
        ('age', '12_17', 3),
        ('age', '18_25', 4),
        ('age', '26_59', 5),
        ('age', '60_plus', 6),
        ('sexe', 'fille', 7),
        ('sexe', 'garcon', 8),
        ('sexe', 'inconnu', 9)
    ) as category_list (breakdown, category, category_order)
)

select
    cast(actions.action_id as varchar) as action_id,
    cast(actions.campaign_year as integer) as campaign_year,
    cast(actions.scheme as varchar) as scheme,
    cast(actions.department_code as varchar) as department_code,
    cast(actions.region_code as varchar) as region_code,
    cast(categories.breakdown as varchar) as breakdown,
    cast(categories.category as varchar) as category,
    cast(
        case categories.category
            when '0_5' then actions.age_0_5
            when '6_11' then actions.age_6_11
            when '12_17' then actions.age_12_17
            when '18_25' then actions.age_18_25
            when '26_59' then actions.age_26_59
            when '60_plus' then actions.age_60_plus
            when 'fille' then coalesce(actions.girls, 0)
            when 'garcon' then coalesce(actions.boys, 0)
            when 'inconnu' then actions.participants - coalesce(actions.girls, 0) - coalesce(actions.boys, 0)
        end
        as integer
    ) as participations
from {{ ref('fct_actions') }} as actions
cross join categories
