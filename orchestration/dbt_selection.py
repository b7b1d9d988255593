"""Which dbt models a build must run again: those downstream of a `raw` table that changed.

Every model is a table or a view rebuilt whole from its inputs, and no model reads the date,
the environment or anything but its upstream tables, the dbt project and the library
versions. So a model whose raw tables hold the same rows as at the last complete build, with
the same dbt project and libraries, would be rebuilt identical: the build excludes the
models and tests that no changed table reaches, and runs the rest (a survey file no longer
rebuilds the actions' marts; a return no longer rebuilds the survey's and the reference's
models).

The state of the last complete build is kept in the warehouse itself (`platform.dbt_build`),
so it travels with the file (a restored backup carries its own): the digests of the raw
tables it started from and the digest of the dbt project. It is removed before dbt starts and
written only after dbt succeeded; anything else (a first build, a failed or killed one, a
subset materialised from the UI, a new project version) means a complete build next time.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb

from platform_config.settings import PROJECT_ROOT

STATE_SCHEMA, STATE_NAME = "platform", "dbt_build"
STATE_TABLE = f"{STATE_SCHEMA}.{STATE_NAME}"
#: the dbt nodes a build runs
RUN_TYPES = ("model", "test", "seed")
#: what dbt's output depends on besides the raw rows
DBT_FOLDERS = ("macros", "models", "seeds", "tests")
DBT_FILES = ("dbt_project.yml", "profiles.yml")
DBT_LIBRARIES = ("dbt-core", "dbt-duckdb", "duckdb")


@functools.cache  # the project of a process does not change under it
def dbt_digest() -> str:
    """The dbt project's files and the versions of the libraries that run it."""
    return project_digest(PROJECT_ROOT / "dbt_project")


def project_digest(root: Path) -> str:
    """`dbt_digest` of the dbt project in `root`, read now."""
    h = hashlib.sha256()
    paths = [p for f in DBT_FOLDERS for p in sorted((root / f).rglob("*")) if p.is_file()]
    for path in [*paths, *(root / f for f in DBT_FILES)]:
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for lib in DBT_LIBRARIES:
        h.update(f"{lib}={importlib.metadata.version(lib)};".encode())
    return h.hexdigest()


def table_digests(con: duckdb.DuckDBPyConnection, schema: str = "raw") -> dict[str, str]:
    """Each table of `schema`: its row count and the sum of its rows' hashes (the same rows in
    any order give the same digest): ≈ 0.2 s for 320,000 rows."""
    tables = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = $1 ORDER BY 1", [schema]
    ).fetchall()
    out = {}
    for (table,) in tables:
        sql = f'SELECT count(*), sum(hash(t)) FROM "{schema}"."{table}" AS t'  # noqa: S608
        n, total = con.execute(sql).fetchone()
        out[table] = f"{n}:{total}"
    return out


def read_state(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The last complete build's inputs ({"project": digest, "tables": {table: digest}})."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = $1 AND table_name = $2",
        [STATE_SCHEMA, STATE_NAME],
    ).fetchone()[0]
    if not exists:
        return None
    row = con.execute(f"SELECT state FROM {STATE_TABLE}").fetchall()  # noqa: S608
    return json.loads(row[0][0]) if len(row) == 1 else None


def forget_state(con: duckdb.DuckDBPyConnection) -> None:
    """Before dbt starts: until it succeeds, the models may be neither the old nor the new."""
    con.execute(f"DROP TABLE IF EXISTS {STATE_TABLE}")


def write_state(con: duckdb.DuckDBPyConnection, tables: Mapping[str, str], project: str) -> None:
    """After a complete, successful build: the inputs it started from."""
    state = json.dumps({"project": project, "tables": dict(tables)}, sort_keys=True)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {STATE_SCHEMA}")
    con.execute(f"CREATE OR REPLACE TABLE {STATE_TABLE} AS SELECT $1::VARCHAR AS state", [state])


def changed_tables(
    state: Mapping | None, tables: Mapping[str, str], project: str
) -> list[str] | None:
    """The raw tables whose rows differ from the last complete build's (added and removed
    tables included), or None when everything must be built: no usable state, another dbt
    project, or nothing changed (a rebuild asked for anyway: `quartiers run --force`)."""
    if not state or state.get("project") != project or not isinstance(state.get("tables"), dict):
        return None
    before = state["tables"]
    changed = sorted(t for t in set(before) | set(tables) if before.get(t) != tables.get(t))
    return changed or None


def unchanged_nodes(manifest: Mapping, changed: Iterable[str]) -> list[str] | None:
    """The dbt nodes (models, tests, seeds; unique ids) none of whose upstream raw tables
    changed: what a build can keep (a test with one parent downstream of a change runs, as
    with dbt's eager selection). None when every node must run, or when no node reads a
    changed table (a complete build then, the safe side)."""
    changed = set(changed)
    nodes = manifest["nodes"]
    upstream: dict[str, frozenset[str]] = {}

    def sources_of(uid: str) -> frozenset[str]:
        if uid not in upstream:
            if uid.startswith("source."):
                source = manifest["sources"][uid]
                raw = source["source_name"] == "raw"
                upstream[uid] = frozenset([source["name"]] if raw else [])
            else:
                parents = nodes[uid].get("depends_on", {}).get("nodes", []) if uid in nodes else []
                upstream[uid] = frozenset().union(*(sources_of(p) for p in parents))
        return upstream[uid]

    runs = [uid for uid, node in nodes.items() if node["resource_type"] in RUN_TYPES]
    kept = sorted(uid for uid in runs if not sources_of(uid) & changed)
    return kept if 0 < len(kept) < len(runs) else None


def upstream_first(manifest: Mapping, unique_ids: Iterable[str]) -> list[str]:
    """These dbt nodes, each after the nodes among them it depends on (by depth from the
    sources, then name)."""
    nodes, depth = manifest["nodes"], {}

    def depth_of(uid: str) -> int:
        if uid not in depth:
            parents = nodes.get(uid, {}).get("depends_on", {}).get("nodes", [])
            depth[uid] = 1 + max((depth_of(p) for p in parents if p in nodes), default=0)
        return depth[uid]

    return sorted(unique_ids, key=lambda uid: (depth_of(uid), uid))
