"""The analysts' documentation: dbt's docs site (every mart and column described in French),
generated as one static page that works offline, published beside the dashboards."""

import contextlib
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from dashboards.swap import swap_folder
from orchestration.dbt_selection import dbt_digest
from platform_config.dbt_cli import QuartiersDbtCli
from platform_config.resources import WAREHOUSE_POOL, PlatformSettings

_STAMP = ".project.sha256"
KEPT_VERSIONS = 5


def build_documentation_asset(mart_keys: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        deps=list(mart_keys),
        group_name="publication",
        pool=WAREHOUSE_POOL,
        kinds={"dbt", "html"},
        description="Documentation des analystes : le site de documentation dbt (tables, "
        "colonnes, définitions, lignage), une page hors ligne publiée à côté "
        "des tableaux de bord. Régénérée quand le projet dbt change.",
    )
    def analysts_documentation(
        settings: PlatformSettings, dbt: QuartiersDbtCli
    ) -> dg.MaterializeResult:
        s = settings.get()
        out = s.site.parent / "documentation"
        # the project's files and dbt's versions: the manifest's own bytes change at every
        # parse (its date, its invocation), which would make a new page each time
        digest = dbt_digest()
        stamp = out / _STAMP
        if (out / "index.html").exists() and stamp.exists() and stamp.read_text() == digest:
            return dg.MaterializeResult(
                metadata={
                    "index": dg.MetadataValue.path(str(out / "index.html")),
                    "régénérée": False,
                }
            )
        # The page is a function of the dbt project and of the warehouse's file name (dbt's
        # database name) alone: descriptions from the manifest, column types from the
        # catalog, which the SQL and contracts fix, no row counts. Generated once per
        # project version, then copied for every data folder.
        cached = (
            Path(dbt.project_dir)
            / "target"
            / "documentation"
            / f"{digest[:32]}-{s.warehouse.stem}.html"
        )
        generated = not cached.exists()
        if generated:
            # the catalog queries the live warehouse: the same path the Python assets use
            os.environ["QUARTIERS_WAREHOUSE"] = str(s.warehouse)
            invocation = dbt.cli(["docs", "generate", "--static"], raise_on_error=True).wait()
            dbt.keep_parse_state(invocation)
            page = Path(invocation.target_path) / "static_index.html"
            _keep(page, cached)
        else:
            page = cached
        tmp = out.with_name(f".{out.name}.new")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        shutil.copyfile(page, tmp / "index.html")
        (tmp / _STAMP).write_text(digest)
        swap_folder(tmp, out)
        if generated:
            shutil.rmtree(invocation.target_path, ignore_errors=True)
        return dg.MaterializeResult(
            metadata={
                "index": dg.MetadataValue.path(str(out / "index.html")),
                "régénérée": True,
                "générée par dbt (sinon copiée, même projet)": generated,
                "taille (Mo)": round((out / "index.html").stat().st_size / 1e6, 1),
            }
        )

    return analysts_documentation


def _keep(page: Path, cached: Path) -> None:
    """The page in the project's cache, written whole (another process may read it); a
    read-only project just generates it each time."""
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        shutil.copyfile(page, tmp)
        # the first page generated for this version stays (another run may be copying it)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, cached)
        tmp.unlink()
        # pages of former project versions: the most recent few stay
        pages = sorted(cached.parent.glob("*.html"), key=lambda p: p.stat().st_mtime)
        for old in pages[:-KEPT_VERSIONS]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
