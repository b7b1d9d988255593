{#- Fails on every row where the column is below 0 (NULL passes: unknown is allowed). -#}
{% test not_negative(model, column_name) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} < 0

{% endtest %}
