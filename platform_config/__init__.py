"""The platform's configuration, below both `assets/` and `orchestration/`: the settings read
from QUARTIERS_* environment variables, and the Dagster resources that carry them."""
