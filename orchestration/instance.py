"""The project's Dagster instance file: the project's rules (`orchestration/dagster.yaml`), and
PostgreSQL storage when a connection URL is configured (SQLite under DAGSTER_HOME otherwise).

The URL stays in the environment: the written file names the variable, never its value, so
no password lands on disk. `quartiers` and `make instance` write the file the same way.

    python -m orchestration.instance      # write $DAGSTER_HOME/dagster.yaml
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

PG_URL_ENV = "QUARTIERS_DAGSTER_PG_URL"
# SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, which is not installed: dagster-postgres
# brings psycopg2, named in the URL (and as `scheme` in deploy/dagster.yaml).
PG_SCHEME = "postgresql+psycopg2"
PROJECT_FILE = Path(__file__).resolve().parent / "dagster.yaml"

# Without PostgreSQL: the event log on SQLite with pooled connections
# (orchestration/event_storage.py); Dagster's own opens a connection per event, 50 ms each on
# an ordinary disk, too slow for a backfill of thousands of files. Run and schedule storage
# stay Dagster's defaults under DAGSTER_HOME.
SQLITE_EVENT_LOG = """
# No PostgreSQL URL: SQLite in this folder, the event log with pooled connections.
event_log_storage:
  module: orchestration.event_storage
  class: PooledSqliteEventLogStorage
  config:
    base_dir: {base_dir}
"""

POSTGRES_STORAGE = f"""
# {PG_URL_ENV} is set: runs, events and schedules in PostgreSQL (docs/deployment.md).
storage:
  postgres:
    postgres_url:
      env: {PG_URL_ENV}
"""


def instance_yaml(env: Mapping[str, str] | None = None, home: Path | None = None) -> str:
    """The instance file's text for this environment."""
    env = os.environ if env is None else env
    text = PROJECT_FILE.read_text(encoding="utf-8")
    url = env.get(PG_URL_ENV)
    if not url:
        # where Dagster's default storage keeps its event logs, named in full: the instance may
        # be opened from its folder with another DAGSTER_HOME in the environment
        base = (Path(home) if home else Path(os.environ["DAGSTER_HOME"])) / "history" / "runs"
        return text + SQLITE_EVENT_LOG.format(base_dir=json.dumps(str(base.resolve())))
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme != PG_SCHEME:  # the URL itself may hold a password: never shown
        raise ValueError(
            f"{PG_URL_ENV} doit commencer par {PG_SCHEME}:// (le pilote installé), par exemple "
            f"{PG_SCHEME}://utilisateur:motdepasse@serveur:5432/dagster ; "
            f"reçu : « {scheme or 'sans schéma'}:// »."
        )
    return text + POSTGRES_STORAGE


def write_instance_yaml(home: Path, env: Mapping[str, str] | None = None) -> Path:
    """Write DAGSTER_HOME/dagster.yaml when its text changes (an old copy would keep run
    monitoring off, or the storage of another configuration)."""
    home.mkdir(parents=True, exist_ok=True)
    path, text = home / "dagster.yaml", instance_yaml(env, home)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        tmp = path.with_suffix(".yaml.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return path


def uses_postgres(instance) -> bool:
    """True when the instance's runs live in PostgreSQL (shared by several machines)."""
    return type(instance.run_storage).__module__.startswith("dagster_postgres")


if __name__ == "__main__":  # pragma: no cover
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        raise SystemExit("DAGSTER_HOME n'est pas défini.")
    try:
        write_instance_yaml(Path(home))
    except ValueError as bad:
        raise SystemExit(str(bad)) from None
