{#- Fails on every row where the column is outside [min_value, max_value] (NULL passes). -#}
{% test between(model, column_name, min_value=none, max_value=none) %}

select {{ column_name }}
from {{ model }}
where
    {{ column_name }} < {{ min_value if min_value is not none else '-1e308' }}
    or {{ column_name }} > {{ max_value if max_value is not none else '1e308' }}

{% endtest %}
