"""Build the delegates' static site from the published marts.

`build_site` reads the marts once (read-only connection, closed at once), protects every
count of people for the whole site in one pass (`dashboards.protected`), then writes
`index.html` (France), one `region-<code>.html` per région and one
`departement-<code>.html` per département that has a QPV or a return/funding line
(`dashboards.territories`), their tables as CSV/XLSX under `exports/`, and plotly.js once as
`plotly.min.js`. Pages are put together by `dashboards.page` from `dashboards.sections`.

Whole: the site is built in a sibling folder (`.<site>.new`, holding the previous site as
hard links, so unchanged files cost nothing and every write is a new file) and put in place
in one step, like the snapshot: a build that crashes leaves the previous site untouched, a
reader never sees old and new pages side by side.

Incremental: a page whose inputs did not change is neither rendered nor rewritten
(`dashboards.incremental`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import plotly.offline

from dashboards import exports, pages
from dashboards.confidentiality import QPV_PEOPLE, REACH_PEOPLE, Protection, hidden_share
from dashboards.context import Context
from dashboards.incremental import (
    STATE_DIR,
    STATE_FILE,
    STATE_FORMAT,
    builder_version,
    file_digest,
    files_intact,
    page_digest,
    protect_cached,
    read_state,
    remove_stale,
    slice_for,
    stage,
    write_if_changed,
)
from dashboards.marts import Marts, load_marts
from dashboards.page import render
from dashboards.protected import publish
from dashboards.swap import swap_folder
from dashboards.territories import Territory, page_order, select_territories

#: what secondary suppression costs, per page and site-wide (beside the pages)
CONFIDENTIALITY_FILE = "confidentialite.json"


@dataclass
class SiteResult:
    index: Path
    pages: list[Path]  # every HTML page of the site, index first
    written: list[Path]  # the pages actually rewritten by this build
    seconds: float
    rendered: list[Path] = field(default_factory=list)  # pages computed again (inputs changed)
    confidentiality: dict = field(default_factory=dict)  # share hidden, per page and level


def confidentiality_report(
    protection: Protection, marts: Marts, territories: Iterable[Territory]
) -> dict:
    """Share of the published participations hidden, per page (its territory's cells, and
    its QPV for a département), per level of page and site-wide."""
    by_territory: dict[tuple, list] = defaultdict(list)
    for key in protection.values:
        if key[0] == "T" and key[-1] in REACH_PEOPLE:
            by_territory[(key[1], key[2])].append(key)
    dept_of = dict(
        zip(
            marts.mart_qpv["qpv_code"].to_list(),
            marts.mart_qpv["department_code"].to_list(),
            strict=True,
        )
    )
    for key in protection.values:
        if key[0] == "Q" and key[-1] in QPV_PEOPLE and key[1] in dept_of:
            by_territory[("departement", dept_of[key[1]])].append(key)
    pages_: dict[str, dict] = {}
    levels: dict[str, list] = defaultdict(list)
    everything: list = []
    for t in territories:
        keys = by_territory.get((t.level, t.code), [])
        pages_[t.href] = hidden_share(protection, keys)
        levels[t.level].extend(keys)
        everything.extend(keys)
    return {
        "site": hidden_share(protection, everything),
        "levels": {level: hidden_share(protection, keys) for level, keys in sorted(levels.items())},
        "pages": pages_,
    }


def _counted(items: list, progress: Callable[[int, int], None] | None):
    """The items, calling progress(n, total) once the loop's body is done with the n-th."""
    for n, item in enumerate(items, 1):
        yield item
        if progress is not None:
            progress(n, len(items))


def build_site(
    db_path: Path,
    out_dir: Path,
    *,
    referential_label: str,
    data_date: date | None = None,
    boundaries_file: Path | None = None,
    regions_boundaries_file: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SiteResult:
    """Build (or update) the static site in `out_dir` from the marts of `db_path`; the new
    site replaces the previous one whole, once complete. `progress(n, total)` follows the
    pages, whether rendered again or kept."""
    start = time.perf_counter()
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        marts = load_marts(con)
    finally:
        con.close()
    site = Path(out_dir)
    out_dir = stage(site)
    protection = protect_cached(marts, out_dir)
    ctx = Context(
        pub=publish(marts, protection),
        territories=select_territories(marts),
        referential_label=referential_label,
        data_date=data_date or marts.data_date,
        boundaries_file=Path(boundaries_file) if boundaries_file else None,
        regions_boundaries_file=Path(regions_boundaries_file) if regions_boundaries_file else None,
    )
    (out_dir / pages.EXPORTS_DIR).mkdir(parents=True, exist_ok=True)
    write_if_changed(out_dir / pages.PLOTLY_JS, plotly.offline.get_plotlyjs().encode("utf-8"))

    settings = json.dumps(
        {
            "builder": builder_version(),
            "label": referential_label,
            "boundaries": file_digest(ctx.boundaries_file),
            "regions_boundaries": file_digest(ctx.regions_boundaries_file),
        },
        sort_keys=True,
    )
    previous = read_state(out_dir)
    state: dict[str, dict] = {}
    order = page_order(ctx.territories)
    written: list[Path] = []
    rendered: list[Path] = []
    page_paths: list[Path] = []
    export_names: set[str] = set()
    for territory in _counted(order, progress):
        path = out_dir / territory.href
        page_paths.append(path)
        page_ctx = slice_for(ctx, territory)
        digest = page_digest(page_ctx, territory, settings)
        before = previous.get(path.name) or {}
        if before.get("digest") == digest and files_intact(out_dir, before.get("files") or {}):
            state[path.name] = before
            export_names.update(Path(name).name for name in before["files"] if name != path.name)
            continue
        rendered.append(path)
        html_text, exported = render(page_ctx, territory)
        data = html_text.encode("utf-8")
        files = {path.name: hashlib.sha256(data).hexdigest()}
        if write_if_changed(path, data):
            written.append(path)
        for t in exported:
            if not t.slug:
                continue
            for suffix, blob in ((".csv", exports.to_csv(t)), (".xlsx", exports.to_xlsx(t))):
                export_names.add(t.slug + suffix)
                write_if_changed(out_dir / pages.EXPORTS_DIR / (t.slug + suffix), blob)
                files[f"{pages.EXPORTS_DIR}/{t.slug}{suffix}"] = hashlib.sha256(blob).hexdigest()
        state[path.name] = {"digest": digest, "files": files}
    remove_stale(out_dir, {p.name for p in page_paths}, export_names)
    report = confidentiality_report(protection, marts, order)
    write_if_changed(
        out_dir / CONFIDENTIALITY_FILE,
        json.dumps(report, indent=1, sort_keys=True, ensure_ascii=False).encode("utf-8"),
    )
    state_text = json.dumps({"format": STATE_FORMAT, "pages": state}, indent=1, sort_keys=True)
    (out_dir / STATE_DIR).mkdir(parents=True, exist_ok=True)
    write_if_changed(out_dir / STATE_FILE, state_text.encode("utf-8"))
    swap_folder(out_dir, site)

    def published(paths: list[Path]) -> list[Path]:
        return [site / p.relative_to(out_dir) for p in paths]

    return SiteResult(
        index=site / "index.html",
        pages=published(page_paths),
        written=published(written),
        seconds=time.perf_counter() - start,
        rendered=published(rendered),
        confidentiality=report,
    )
