"""Incremental rebuild: what a page is rendered from, its digest, and the state kept between
builds, so that a page whose inputs did not change is neither rendered nor rewritten.

A page is rendered from its own slice of the published (protected) frames only
(`slice_for`); the slice's digest, with the builder's version, the referential label, the
data date and the boundaries, is kept in `.build/state.json`. A page whose digest and files
are unchanged is not rendered again; a file is only rewritten when its bytes change. The
site-wide suppression decisions are kept too (`.build/protection.json`), with a digest of the
frames each campaign's decisions come from, and reused while those frames do not change.

The site is built in a sibling folder holding the previous site as hard links (`stage`):
every write replaces a file, never writes through a link.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import weakref
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from pathlib import Path

import polars as pl

from dashboards import pages
from dashboards.confidentiality import (
    Protection,
    campaign_of,
    merge_protections,
    protect_site,
)
from dashboards.context import Context
from dashboards.marts import Marts
from dashboards.protected import Published
from dashboards.territories import Territory
from dashboards.workers import Helper

PAGE_PATTERN = re.compile(r"^(region|departement)-[0-9A-Za-z]+\.html$")
STATE_DIR = ".build"
STATE_FILE = f"{STATE_DIR}/state.json"
PROTECTION_FILE = f"{STATE_DIR}/protection.json"
STATE_FORMAT = 2
#: the builder's own files: its code, the page template and the static files it inlines
BUILDER_SUFFIXES = (".py", ".j2", ".css", ".js")
#: rows of mart_reach to protect from which a second process pays for its start-up
SHARED_FROM_ROWS = 2000


@lru_cache(maxsize=1)
def builder_version() -> str:
    """Digest of the builder's own code and of the libraries that shape its output."""
    h = hashlib.sha256()
    root = Path(__file__).parent
    for src in sorted(p for p in root.rglob("*") if p.suffix in BUILDER_SUFFIXES):
        h.update(src.relative_to(root).as_posix().encode() + b"\0" + src.read_bytes() + b"\0")
    for lib in ("plotly", "polars", "xlsxwriter"):
        h.update(f"{lib}={importlib.metadata.version(lib)};".encode())
    return h.hexdigest()


#: each frame's row numbers by key, built once per frame (dropped with the frame)
_ROWS: dict[tuple[int, tuple[str, ...]], dict[tuple, list[int]]] = {}


def _row_numbers(df: pl.DataFrame, cols: tuple[str, ...]) -> dict[tuple, list[int]]:
    key = (id(df), cols)
    if key not in _ROWS:
        groups = df.with_row_index("_row").group_by(list(cols), maintain_order=True).agg("_row")
        _ROWS[key] = {tuple(r[:-1]): r[-1] for r in groups.iter_rows()}
        weakref.finalize(df, _ROWS.pop, key, None)
    return _ROWS[key]


def rows_where(df: pl.DataFrame, cols: tuple[str, ...], values: Iterable[tuple]) -> pl.DataFrame:
    """Rows of `df` whose `cols` take one of `values`, in the frame's order: what a filter
    gives, from row numbers grouped once per frame (every page takes its rows)."""
    index = _row_numbers(df, cols)
    rows = sorted(n for value in set(values) for n in index.get(value, ()))
    return df[rows] if rows else df.clear()


def rows_of(df: pl.DataFrame, keys: Iterable[tuple[str, str]]) -> pl.DataFrame:
    """Rows of a per-territory frame for these (level, code)."""
    return rows_where(df, ("territory_level", "territory_code"), keys)


def slice_for(ctx: Context, t: Territory) -> Context:
    """The context a page is rendered from: only the rows it may show (its territory, its
    children for the sub-territory tables and map, its QPV, its missing returns), every
    other frame empty. What is not in the slice cannot reach the page, so the slice's
    digest tells whether the page changes."""
    kids = ctx.children(t)
    own = [(t.level, t.code)]
    family = own + [(k.level, k.code) for k in kids]
    m, pub = ctx.marts, ctx.pub
    if t.level == "france":
        territories = ctx.territories
        missing = m.fct_missing_returns
    else:
        keep = {(x.level, x.code) for x in ctx.trail(t)} | {(k.level, k.code) for k in kids}
        territories = {k: v for k, v in ctx.territories.items() if k in keep}
        depts = [(code,) for level, code in family if level == "departement"]
        missing = rows_where(m.fct_missing_returns, ("department_code",), depts)
    if t.level == "departement":
        qpv = rows_where(pub.qpv, ("department_code",), [(t.code,)])
        dim_qpv = rows_where(m.dim_qpv, ("department_code",), [(t.code,)])
    else:
        qpv, dim_qpv = pub.qpv.clear(), m.dim_qpv.clear()
    marts = dataclasses.replace(
        m,
        dim_territories=m.dim_territories.clear(),
        dim_qpv=dim_qpv,
        mart_reach=m.mart_reach.clear(),  # pages read the protected frames of `pub`
        mart_funding=m.mart_funding.clear(),
        mart_funding_by_funder=rows_of(m.mart_funding_by_funder, own),
        mart_cooperation=rows_of(m.mart_cooperation, own),
        mart_partner_mix=rows_of(m.mart_partner_mix, own),
        mart_network_edges=rows_of(m.mart_network_edges, own),
        mart_network_nodes=rows_of(m.mart_network_nodes, own),
        mart_returns_completeness=rows_of(m.mart_returns_completeness, family),
        fct_missing_returns=missing,
        mart_qpv=m.mart_qpv.clear(),
        department_dates={},
        funding_date=None,
        data_date=None,  # the page's own date is the context's (page_date), in its digest
    )
    published = Published(marts, rows_of(pub.reach, family), qpv, rows_of(pub.funding, family))
    return dataclasses.replace(
        ctx, pub=published, territories=territories, data_date=page_date(ctx, t, family)
    )


def page_date(ctx: Context, t: Territory, family: list[tuple[str, str]]) -> date | None:
    """ "Données au" of a page: the latest arrival among the files that feed it (returns of
    its départements, the funding export), so that a new return re-dates only the pages it
    changes. The France page, or a date forced by the caller, takes the site's date."""
    m = ctx.marts
    if t.level == "france" or ctx.data_date != m.data_date or not m.department_dates:
        return ctx.data_date
    depts = {code for level, code in family if level == "departement"}
    depts |= {x.code for x in ctx.trail(t) if x.level == "departement"}
    dates = [m.department_dates[d] for d in depts if d in m.department_dates]
    dates += [m.funding_date] if m.funding_date else []
    return max(dates, default=ctx.data_date)


def file_digest(path: Path | None) -> str:
    return (
        hashlib.sha256(path.read_bytes()).hexdigest() if path is not None and path.exists() else ""
    )


def frame_digest(df: pl.DataFrame, memo: dict | None = None, *, exact: bool = True) -> bytes:
    """Digest of a frame's schema and rows: of its CSV text (`exact`), or of its rows'
    64-bit hashes (polars' `hash_rows` with fixed seeds, stable within a polars version,
    which `builder_version` holds): about ten times faster on a page's slices, and a
    changed row goes unnoticed only if its hash collides (~1 in 2**64). The protection's
    reuse, which decides what stays secret, keeps the exact digest. `memo` keeps the
    digest per frame object (a weak reference: a page's slice is not kept alive) for one
    build, so the frames every page shows whole are hashed once."""
    key = (id(df), exact)
    if memo is not None:
        ref, digest = memo.get(key, (None, b""))
        if ref is not None and ref() is df:
            return digest
    # an empty frame: its schema says it all (a page's slice has several)
    h = hashlib.sha256(f"{df.schema}\0{df.height}\0".encode())
    if df.height and exact:
        h.update(df.write_csv().encode())
    elif df.height:
        h.update(df.hash_rows(seed=0).to_numpy().tobytes())
    digest = h.digest()
    if memo is not None:
        memo[key] = (weakref.ref(df), digest)
    return digest


def page_digest(page_ctx: Context, t: Territory, settings: str, memo: dict | None = None) -> str:
    """Digest of everything a page is rendered from: its slice and the build settings."""
    h = hashlib.sha256(settings.encode())
    h.update(repr(t).encode())
    h.update(f"date={page_ctx.data_date!r};".encode())
    h.update(repr(sorted(page_ctx.territories.items(), key=lambda kv: kv[0])).encode())
    frames = {"reach": page_ctx.pub.reach, "qpv": page_ctx.pub.qpv, "funding": page_ctx.pub.funding}
    for f in dataclasses.fields(page_ctx.marts):
        value = getattr(page_ctx.marts, f.name)
        if isinstance(value, pl.DataFrame):
            frames[f.name] = value
        else:
            h.update(f"{f.name}={value!r};".encode())
    for name, df in frames.items():
        h.update(f"\0{name}\0".encode())
        h.update(frame_digest(df, memo, exact=False))
    return h.hexdigest()


def read_state(out_dir: Path) -> dict[str, dict]:
    try:
        state = json.loads((out_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        return {}
    pages_ = state.get("pages")
    return pages_ if isinstance(pages_, dict) else {}


def protect_campaign(frames: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]) -> list:
    """The cells to hide among one campaign's rows of mart_reach and mart_qpv (a task the
    build may hand to its helper process: the keys travel back, not the whole system)."""
    return sorted(protect_site(*frames).suppressed, key=repr)


def protect_cached(marts: Marts, out_dir: Path, helper: Helper | None = None) -> Protection:
    """The site's protection, campaign by campaign (no relation links two campaigns, see
    `protect_site`): a campaign keeps the decisions of the previous build when its rows of
    mart_reach and mart_qpv, dim_territories and the builder are the same, and the others
    are solved again, shared with the helper process when there is one."""
    reach, qpv, terr = marts.mart_reach, marts.mart_qpv, marts.dim_territories
    base = builder_version().encode() + frame_digest(terr)
    years = sorted(
        set(reach["campaign_year"].drop_nulls()) | set(qpv["campaign_year"].drop_nulls())
    )
    frames = {
        y: (reach.filter(pl.col("campaign_year") == y), qpv.filter(pl.col("campaign_year") == y))
        for y in years
    }
    digests = {
        str(y): hashlib.sha256(base + frame_digest(r) + frame_digest(q)).hexdigest()
        for y, (r, q) in frames.items()
    }
    kept_digests: dict = {}
    kept: dict[int, list] = defaultdict(list)
    try:
        state = json.loads((out_dir / PROTECTION_FILE).read_text(encoding="utf-8"))
        if state.get("format") == STATE_FORMAT and isinstance(state.get("campaigns"), dict):
            for k in state["suppressed"]:
                kept[campaign_of(tuple(k))].append(tuple(k))
            kept_digests = state["campaigns"]
    except (OSError, ValueError, TypeError, AttributeError, KeyError, IndexError):
        kept_digests, kept = {}, defaultdict(list)
    parts: dict[int, Protection] = {}
    todo = []
    for y, (r, q) in frames.items():
        if kept_digests.get(str(y)) == digests[str(y)]:
            parts[y] = protect_site(r, q, terr, decided=kept[y])
        else:
            todo.append(y)
    todo.sort(key=lambda y: -frames[y][0].height)  # the largest first: the two share better
    if helper is not None and len(todo) > 1:
        helper.start_if(sum(frames[y][0].height for y in todo) >= SHARED_FROM_ROWS)
    tasks = [(*frames[y], terr) for y in todo]
    shared = (helper or Helper()).share(tasks, protect_campaign, protect_campaign)
    for y, suppressed in zip(todo, shared, strict=True):
        parts[y] = protect_site(*frames[y], terr, decided=suppressed)
    protection = merge_protections(parts[y] for y in years)
    keys = sorted((list(k) for k in protection.suppressed), key=repr)
    text = json.dumps(
        {"format": STATE_FORMAT, "campaigns": digests, "suppressed": keys}, ensure_ascii=False
    )
    (out_dir / STATE_DIR).mkdir(parents=True, exist_ok=True)
    write_if_changed(out_dir / PROTECTION_FILE, text.encode("utf-8"))
    return protection


def files_intact(out_dir: Path, files: dict[str, str]) -> bool:
    """Every file a page wrote is still there with the bytes it wrote."""
    try:
        return all(file_digest(out_dir / name) == digest for name, digest in files.items())
    except OSError:
        return False


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` unless the file already holds exactly these bytes (compared by hash)."""
    digest = hashlib.sha256(data).digest()
    if path.exists() and hashlib.sha256(path.read_bytes()).digest() == digest:
        return False
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def remove_stale(out_dir: Path, pages_kept: set[str], exports_kept: set[str]) -> None:
    """Pages and exports of territories that left the marts (only files this builder names)."""
    for p in out_dir.glob("*.html"):
        if PAGE_PATTERN.match(p.name) and p.name not in pages_kept:
            p.unlink()
    exp = out_dir / pages.EXPORTS_DIR
    if exp.is_dir():
        for p in exp.iterdir():
            if p.suffix in (".csv", ".xlsx") and p.name not in exports_kept:
                p.unlink()


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # a file system without hard links
        shutil.copy2(src, dst)


def stage(site: Path) -> Path:
    """A sibling folder holding the current site as hard links, to build the next one in.
    Every write replaces a file (`write_if_changed`, unlink), never writes through a link,
    so the published site is never touched."""
    site = site.absolute()
    stage, old = site.with_name(f".{site.name}.new"), site.with_name(f".{site.name}.old")
    shutil.rmtree(stage, ignore_errors=True)  # left by a build that crashed
    if not site.exists() and old.exists():  # crashed between the two renames of `swap_folder`
        os.rename(old, site)
    if site.is_dir():
        shutil.copytree(site, stage, symlinks=True, copy_function=_link_or_copy)
    else:
        stage.mkdir(parents=True)
    return stage
