"""Dagster resources. Their fields are bound to the QUARTIERS_* variables through `dg.EnvVar`
(the UI shows which variable configures what); values resolve when a run uses them, never at
import, and nothing is written to the environment. An unset or empty variable means the
default of `load_settings`, derived at run time (e.g. the warehouse under QUARTIERS_DATA_DIR)."""

import functools
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field
from pydantic_core import core_schema

from platform_config.settings import Settings, load_settings

# Steps that open the warehouse share this pool: one at a time (DuckDB has one writer).
WAREHOUSE_POOL = "warehouse"
WAREHOUSE_VARIABLE = "QUARTIERS_WAREHOUSE"  # also read by dbt_project/profiles.yml

_DEFAULT = "vide : valeur par défaut"


class _VariableOrDefault(dg.ScalarUnion):
    """Config type of the fields: a value given in code, or `dg.EnvVar(NAME)` read when a run
    starts. Dagster's own string type fails the run when the variable is unset; here an unset
    variable reads as "" (the default), so no run needs it declared beforehand."""

    def __init__(self):
        super().__init__(
            scalar_type=str,
            non_scalar_schema=dg.Selector({"env": str}),
            _key="QuartiersVariableOrDefault",
        )

    def post_process(self, value):
        return os.environ.get(value["env"], "") if isinstance(value, dict) else value

    def __get_pydantic_core_schema__(self, source, handler):
        return core_schema.str_schema()  # for pydantic, a plain string field


# The annotation of the fields: pydantic reads a string, Dagster the config type above.
Setting = _VariableOrDefault()


def _field(variable: str, what: str) -> Field:
    return Field(
        default="",
        description=f"{what} ({variable} ; {_DEFAULT}).",
        json_schema_extra={"variable": variable},
    )


class PlatformSettings(dg.ConfigurableResource):
    """Paths and limits of the platform (QUARTIERS_* environment variables)."""

    data_dir: Setting = _field("QUARTIERS_DATA_DIR", "Dossier des données (défaut : data/)")
    inbox: Setting = _field("QUARTIERS_INBOX", "Boîte de dépôt des bilans")
    site: Setting = _field("QUARTIERS_SITE", "Dossier du site des tableaux de bord")
    snapshot: Setting = _field("QUARTIERS_SNAPSHOT", "Copie DuckDB des analystes")
    reports: Setting = _field("QUARTIERS_REPORTS", "Dossier des rapports de rejets")
    reminders: Setting = _field("QUARTIERS_REMINDERS", "Dossier des relances")
    alerts_log: Setting = _field("QUARTIERS_ALERTS_LOG", "Journal des alertes")
    qpv_2024_file: Setting = _field(
        "QUARTIERS_QPV_2024_FILE", "Référentiel officiel des QPV 2024 (vide : démonstration)"
    )
    qpv_2015_file: Setting = _field("QUARTIERS_QPV_2015_FILE", "Référentiel des QPV 2015")
    population_file: Setting = _field("QUARTIERS_POPULATION_FILE", "Population par QPV")
    boundaries_file: Setting = _field("QUARTIERS_BOUNDARIES_FILE", "Contours des départements")
    region_boundaries_file: Setting = _field(
        "QUARTIERS_REGION_BOUNDARIES_FILE", "Contours des régions"
    )
    max_file_mb: Setting = _field("QUARTIERS_MAX_FILE_MB", "Taille maximale d'un fichier (Mo)")
    max_rows: Setting = _field("QUARTIERS_MAX_ROWS", "Nombre maximal de lignes d'un fichier")
    wait_minutes: Setting = _field(
        "QUARTIERS_WAIT_MINUTES", "Attente maximale d'un entrepôt occupé (minutes)"
    )
    return_due_dates: Setting = _field(
        "QUARTIERS_RETURN_DUE_DATES", "Dates limites des bilans par campagne"
    )
    season_months: Setting = _field("QUARTIERS_SEASON_MONTHS", "Mois de la saison")
    off_season_weekday: Setting = _field(
        "QUARTIERS_OFF_SEASON_WEEKDAY", "Jour du passage hebdomadaire hors saison"
    )
    quiet_days: Setting = _field("QUARTIERS_QUIET_DAYS", "Jours sans réception avant alerte")
    snapshot_storage_version: Setting = _field(
        "QUARTIERS_SNAPSHOT_STORAGE_VERSION", "Format DuckDB de la copie des analystes"
    )

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Field name → environment variable."""
        return {name: f.json_schema_extra["variable"] for name, f in cls.model_fields.items()}

    def get(self) -> Settings:
        # The environment for what has no field (SMTP settings), the fields over it.
        given = {var: getattr(self, name) for name, var in self.variables().items()}
        return load_settings({**os.environ, **{k: v for k, v in given.items() if v}})


LOCK_WAIT_SECONDS = 120


@functools.cache
def return_freed_memory() -> None:
    """Let DuckDB's allocator give freed memory back to the system as it goes (background
    purging, process-wide): otherwise it keeps what a large write or copy used, ≈ 110 MB in
    the command after a national ingest, held through the build beside dbt's process."""
    with duckdb.connect() as con:
        con.execute("SET allocator_background_threads = true")


def connect_when_free(
    path: str, wait_seconds: float = LOCK_WAIT_SECONDS, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the file (read-write by default), waiting (bounded) for a lock left by a dying
    process: a `dbt build` whose parent run was killed goes on until it notices, holding the
    file."""
    return_freed_memory()
    deadline, told = time.monotonic() + wait_seconds, False
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            if not told:
                dg.get_dagster_logger().warning(
                    f"Entrepôt verrouillé par un autre processus ({error}) : attente de sa "
                    f"fin, au plus {wait_seconds:g} s."
                )
                told = True
            time.sleep(0.5)


class Warehouse(dg.ConfigurableResource):
    """The live DuckDB file. Only steps in the `warehouse` pool open it, one at a time."""

    path: Setting = _field(
        WAREHOUSE_VARIABLE, "Entrepôt DuckDB (défaut : <données>/warehouse.duckdb)"
    )

    def file(self) -> Path:
        return Path(self.path).expanduser().resolve() if self.path else load_settings().warehouse

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        path = self.file()
        path.parent.mkdir(parents=True, exist_ok=True)
        con = connect_when_free(str(path))
        try:
            yield con
        finally:
            con.close()


def resources_from_environment() -> dict[str, dg.ConfigurableResource]:
    """The resources with every field bound to its variable (read when a run starts)."""
    return {
        "settings": PlatformSettings(
            **{name: dg.EnvVar(var) for name, var in PlatformSettings.variables().items()}
        ),
        "warehouse": Warehouse(path=dg.EnvVar(WAREHOUSE_VARIABLE)),
    }
