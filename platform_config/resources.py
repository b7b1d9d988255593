"""Dagster resources. Their fields are bound to the QUARTIERS_* variables through `dg.EnvVar`
(the UI shows which variable configures what); values resolve when a run uses them, never at
import. An empty field means the default of `load_settings`, derived at run time (e.g. the
warehouse under QUARTIERS_DATA_DIR)."""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from platform_config.settings import Settings, load_settings

# Steps that open the warehouse share this pool: one at a time (DuckDB has one writer).
WAREHOUSE_POOL = "warehouse"
WAREHOUSE_VARIABLE = "QUARTIERS_WAREHOUSE"  # also read by dbt_project/profiles.yml

_DEFAULT = "vide : valeur par défaut"


def _field(variable: str, what: str) -> Field:
    return Field(
        default="",
        description=f"{what} ({variable} ; {_DEFAULT}).",
        json_schema_extra={"variable": variable},
    )


class PlatformSettings(dg.ConfigurableResource):
    """Paths and limits of the platform (QUARTIERS_* environment variables)."""

    data_dir: str = _field("QUARTIERS_DATA_DIR", "Dossier des données (défaut : data/)")
    inbox: str = _field("QUARTIERS_INBOX", "Boîte de dépôt des bilans")
    site: str = _field("QUARTIERS_SITE", "Dossier du site des tableaux de bord")
    snapshot: str = _field("QUARTIERS_SNAPSHOT", "Copie DuckDB des analystes")
    reports: str = _field("QUARTIERS_REPORTS", "Dossier des rapports de rejets")
    reminders: str = _field("QUARTIERS_REMINDERS", "Dossier des relances")
    alerts_log: str = _field("QUARTIERS_ALERTS_LOG", "Journal des alertes")
    qpv_2024_file: str = _field(
        "QUARTIERS_QPV_2024_FILE", "Référentiel officiel des QPV 2024 (vide : démonstration)"
    )
    qpv_2015_file: str = _field("QUARTIERS_QPV_2015_FILE", "Référentiel des QPV 2015")
    population_file: str = _field("QUARTIERS_POPULATION_FILE", "Population par QPV")
    boundaries_file: str = _field("QUARTIERS_BOUNDARIES_FILE", "Contours des départements")
    region_boundaries_file: str = _field("QUARTIERS_REGION_BOUNDARIES_FILE", "Contours des régions")
    max_file_mb: str = _field("QUARTIERS_MAX_FILE_MB", "Taille maximale d'un fichier (Mo)")
    max_rows: str = _field("QUARTIERS_MAX_ROWS", "Nombre maximal de lignes d'un fichier")
    wait_minutes: str = _field(
        "QUARTIERS_WAIT_MINUTES", "Attente maximale d'un entrepôt occupé (minutes)"
    )
    return_due_dates: str = _field(
        "QUARTIERS_RETURN_DUE_DATES", "Dates limites des bilans par campagne"
    )
    season_months: str = _field("QUARTIERS_SEASON_MONTHS", "Mois de la saison")
    off_season_weekday: str = _field(
        "QUARTIERS_OFF_SEASON_WEEKDAY", "Jour du passage hebdomadaire hors saison"
    )
    quiet_days: str = _field("QUARTIERS_QUIET_DAYS", "Jours sans réception avant alerte")
    snapshot_storage_version: str = _field(
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


def connect_when_free(
    path: str, wait_seconds: float = LOCK_WAIT_SECONDS
) -> duckdb.DuckDBPyConnection:
    """Open the file read-write, waiting (bounded) for a lock left by a dying process: a
    `dbt build` whose parent run was killed goes on until it notices, holding the file."""
    deadline, told = time.monotonic() + wait_seconds, False
    while True:
        try:
            return duckdb.connect(path)
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

    path: str = _field(WAREHOUSE_VARIABLE, "Entrepôt DuckDB (défaut : <données>/warehouse.duckdb)")

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
    """The resources with every field bound to its variable. Dagster fails a run whose
    `EnvVar` is unset, so an unset variable is declared empty ("the default"): this reads no
    value, the defaults are still derived when a run asks."""
    for variable in [*PlatformSettings.variables().values(), WAREHOUSE_VARIABLE]:
        os.environ.setdefault(variable, "")
    return {
        "settings": PlatformSettings(
            **{name: dg.EnvVar(var) for name, var in PlatformSettings.variables().items()}
        ),
        "warehouse": Warehouse(path=dg.EnvVar(WAREHOUSE_VARIABLE)),
    }
