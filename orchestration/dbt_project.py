"""The dbt project, declared once. `make manifest` runs
`dagster-dbt project prepare-and-package --file orchestration/dbt_project.py`; under
`dagster dev`, prepare_if_dev() re-parses. Nothing runs dbt at import otherwise."""

from __future__ import annotations

from dagster_dbt import DbtProject

from platform_config.settings import PROJECT_ROOT

DBT_DIR = PROJECT_ROOT / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
dbt_project.prepare_if_dev()
