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

Large builds share their work (the campaigns to protect, the pages to render) with a helper
process (`dashboards.workers`); a page's bytes do not depend on which process made it.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import plotly.offline

from dashboards import pages
from dashboards import workers as parallel
from dashboards.confidentiality import (
    QPV_PEOPLE,
    REACH_PEOPLE,
    Protection,
    hidden_share,
    protect_site,
)
from dashboards.context import Context
from dashboards.incremental import (
    PROTECTION_FILE,
    SHARED_FROM_ROWS,
    STATE_DIR,
    STATE_FILE,
    STATE_FORMAT,
    builder_version,
    file_digest,
    protect_cached,
    read_state,
    remove_stale,
    slice_for,
    stage,
    write_if_changed,
)
from dashboards.marts import Marts, _use_marts, load_marts, read_frames, write_frames
from dashboards.page_build import PageOutcome, kept_outcome, plan_page, write_page
from dashboards.protected import publish
from dashboards.swap import swap_folder
from dashboards.territories import Territory, page_order, select_territories
from dashboards.workers import Helper, installed
from platform_config.scratch import owned_folder

#: what secondary suppression costs, per page and site-wide (beside the pages)
CONFIDENTIALITY_FILE = "confidentialite.json"
SCRATCH_PREFIX = "quartiers-marts-"  # + the pid: the marts handed to the helper process


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


#: pages to render from which a second process pays for its start-up (≈ 0.8 s of imports)
SHARED_FROM = 40


def _render_installed(item: tuple[Territory, str]) -> PageOutcome:
    """A page rendered by the helper process, from the context the build installed there."""
    territory, digest = item
    ctx, out_dir = installed("context"), installed("out_dir")
    return write_page(slice_for(ctx, territory), territory, digest, out_dir)


def build_site(
    db_path: Path,
    out_dir: Path,
    *,
    referential_label: str,
    data_date: date | None = None,
    boundaries_file: Path | None = None,
    regions_boundaries_file: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    marts: Marts | None = None,
) -> SiteResult:
    """Build (or update) the static site in `out_dir` from the marts of `db_path`; the new
    site replaces the previous one whole, once complete. `progress(n, total)` follows the
    pages, whether rendered again or kept. `workers`: processes to share the work between
    (1 or 2; by default 2 when the machine has two cores and the work is large enough).
    `marts`: the marts already read by the caller (`db_path` is then not opened: the caller
    may hold the file)."""
    start = time.perf_counter()
    site = Path(out_dir)
    # asked for two: always share (tests of the shared build); by default, when worth it
    shared = parallel.available() if workers is None else workers > 1
    helper = Helper(always=workers == 2) if shared else None
    given = marts is not None
    # where the marts given are written for the helper, which cannot open the held file
    # (named after this process: the next build removes it if this one is killed outright)
    scratch = owned_folder(SCRATCH_PREFIX) if given and helper else None
    try:
        if helper is not None and not given and _large_full_build(db_path, site):
            # the protection will share its campaigns (`protect_cached`): the helper's
            # start-up (≈ 0.8 s of imports) overlaps the reading of the marts, not after it
            helper.start_if(True)
        marts = marts if given else read_marts(db_path)
        out_dir = stage(site)
        return _build(
            None if given else db_path,
            scratch,
            marts,
            site,
            out_dir,
            helper,
            start,
            progress,
            referential_label=referential_label,
            data_date=data_date,
            boundaries_file=boundaries_file,
            regions_boundaries_file=regions_boundaries_file,
        )
    finally:
        if helper is not None:
            helper.close()
        if scratch is not None:  # after the helper is gone
            shutil.rmtree(scratch, ignore_errors=True)


def _large_full_build(db_path: Path, site: Path) -> bool:
    """No protection to reuse and enough rows of mart_reach for the protection to share its
    work (`incremental.SHARED_FROM_ROWS`): counted, not read (a few milliseconds)."""
    if (site / PROTECTION_FILE).exists():
        return False
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error:
        return False  # the reading says why
    try:
        _use_marts(con)
        return con.execute("SELECT count(*) FROM mart_reach").fetchone()[0] >= SHARED_FROM_ROWS
    except (duckdb.Error, ValueError):
        return False
    finally:
        con.close()


def read_marts(db_path: Path) -> Marts:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return load_marts(con)
    finally:
        con.close()


def make_context(
    marts: Marts,
    protection: Protection,
    referential_label: str,
    data_date: date | None,
    boundaries_file: Path | None,
    regions_boundaries_file: Path | None,
) -> Context:
    return Context(
        pub=publish(marts, protection),
        territories=select_territories(marts),
        referential_label=referential_label,
        data_date=data_date or marts.data_date,
        boundaries_file=Path(boundaries_file) if boundaries_file else None,
        regions_boundaries_file=Path(regions_boundaries_file) if regions_boundaries_file else None,
    )


def context_again(source: Path | tuple[Path, dict], suppressed: list, *settings) -> Context:
    """The build's context made again in the helper process, from the warehouse file (or,
    when the build's caller holds the file, from the marts written for it as Arrow files)
    and the cells to hide: the same frames, read and sorted the same way, hence the same
    pages."""
    marts = read_marts(source) if isinstance(source, Path) else read_frames(source)
    frames = (marts.mart_reach, marts.mart_qpv, marts.dim_territories)
    return make_context(marts, protect_site(*frames, decided=suppressed), *settings)


def _build(
    db_path: Path | None,
    scratch: Path | None,
    marts: Marts,
    site: Path,
    out_dir: Path,
    helper: Helper | None,
    start: float,
    progress: Callable[[int, int], None] | None,
    *,
    referential_label: str,
    data_date: date | None,
    boundaries_file: Path | None,
    regions_boundaries_file: Path | None,
) -> SiteResult:
    protection = protect_cached(marts, out_dir, helper)
    options = (referential_label, data_date, boundaries_file, regions_boundaries_file)

    def install() -> None:
        suppressed = sorted(protection.suppressed, key=repr)
        # the file, when the helper may open it; else the marts written for it
        source = write_frames(marts, scratch) if db_path is None else db_path
        helper.install_made("context", context_again, source, suppressed, *options)
        helper.install_made("out_dir", Path, out_dir)

    if helper is not None and helper.started:  # a large build: the helper starts on it now
        install()
    ctx = make_context(marts, protection, *options)
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
    order = page_order(ctx.territories)
    memo: dict = {}
    plans = [
        plan_page(slice_for(ctx, t), t, out_dir, settings, previous.get(t.href) or {}, memo)
        for t in order
    ]
    del memo
    to_render = [(p.territory, p.digest) for p in plans if p.kept is None]
    if helper is not None and not helper.started:
        helper.start_if(len(to_render) >= SHARED_FROM)
        if helper.started:
            install()
    outcomes: dict[str, PageOutcome] = {}

    def done(outcome: PageOutcome) -> None:
        outcomes[outcome.name] = outcome
        if progress is not None:
            progress(len(outcomes), len(order))

    for p in plans:
        if p.kept is not None:
            done(kept_outcome(p))
    (helper or Helper()).share(
        to_render,
        lambda item: write_page(slice_for(ctx, item[0]), item[0], item[1], out_dir),
        _render_installed,
        done,
    )
    if helper is not None:
        helper.release()  # every page is made: the helper exits while the report is written
    ordered = [outcomes[t.href] for t in order]
    page_paths = [out_dir / t.href for t in order]
    state = {o.name: o.state for o in ordered}
    written = [out_dir / o.name for o in ordered if o.written]
    rendered = [out_dir / o.name for o in ordered if o.rendered]
    export_names = {name for o in ordered for name in o.exports}
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
