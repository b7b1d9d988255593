"""`make bench`: the platform's speed as its users meet it, in one run, side by side.

Each scenario times the real thing (the `quartiers` command in a child process, through
Dagster, from an empty data folder) next to a baseline run in the same process on the same
files, and prints the ratio: seconds depend on the machine and on what else runs on it, the
ratios much less. Scenarios (all by default, or name some: `python -m benchmarks.run
reading national`):

- reading: the contract reader against the floor: DuckDB's own `read_csv`, a plain pandas
  loader, and the csv module / fastexcel without any contract.
- small_files: per-porteur returns of the whole country (≈35,000 files at the default scale)
  backfilled through Dagster in one run, against `process_batch` alone.
- national: the national demo (≈60,000 actions over six campaigns, with partners and
  funding), from an empty folder to published site and snapshot; peak memory.
- one_file: one more return dropped into that national inbox, then `quartiers run`: pages
  republished and the number of pages actually rewritten.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import fastexcel

from demodata.generator import NATIONAL, generate_demo
from demodata.territories import ALL_REGIONS
from returns.inbox import inbox_files
from returns.process import process_batch

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("reading", "small_files", "national", "one_file")
SMALL_FILES_SCALE = 1.25  # national calibration × 1.25 ≈ 35,000 per-porteur files


# --------------------------------------------------------------------------- helpers


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


#: the command's own process's peak (VmHWM, MiB), by arguments: beside the tree's in the notes
OWN_PEAK_MIB: dict[tuple[str, ...], int] = {}
#: CPU time (user + system) of the command and of the processes it waited for (dbt, the
#: helpers), by arguments: less sensitive than seconds to what else runs on the machine
CPU_SECONDS: dict[tuple[str, ...], float] = {}
#: the tree's peak in proportional set size (MiB), by arguments: the pages of the libraries
#: the processes share (polars, DuckDB, Python's) counted once, not once per process
TREE_PSS_MIB: dict[tuple[str, ...], int] = {}


def quartiers(data_dir: Path, *args: str) -> tuple[float, int, str]:
    """Run the `quartiers` command on a data folder: (seconds, peak RSS in MiB, stdout).

    The peak is the command's own process tree, polled: the largest of its own VmHWM and of
    the sum of the resident memory of it and its children (dbt, the site's helper process);
    the same sum in PSS (`TREE_PSS_MIB`) counts the libraries they share once, sampled near
    that peak only (`TreeMemory`).
    The rusage of a child would count the bench's memory copied by fork before exec."""
    env = dict(
        os.environ,
        QUARTIERS_DATA_DIR=str(data_dir),
        DAGSTER_HOME=str(data_dir / ".dagster_home"),
    )
    env.pop("QUARTIERS_INBOX", None)
    t, used = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("quartiers")), *args],
            env=env,
            stdout=out,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        memory = TreeMemory(proc.pid)
        while proc.poll() is None:
            memory.poll()
            time.sleep(POLL_SECONDS)
        seconds = time.perf_counter() - t
        done = resource.getrusage(resource.RUSAGE_CHILDREN)
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        raise RuntimeError(f"quartiers {' '.join(args)} failed:\n{text[-2000:]}")
    OWN_PEAK_MIB[args] = round(memory.own_kb / 1024)
    TREE_PSS_MIB[args] = round(memory.pss_kb / 1024)
    CPU_SECONDS[args] = done.ru_utime - used.ru_utime + done.ru_stime - used.ru_stime
    return seconds, round(memory.peak_kb / 1024), text


#: The bench shares the command's cores: its polls must cost little. The tree's RSS is read
#: every POLL_SECONDS from each process's statm (counters the kernel keeps); which processes
#: make the tree (a scan of /proc), every TREE_SECONDS. Its PSS is read from smaps_rollup,
#: which walks every page table of the tree: about 18 ms of kernel time for a national run's
#: tree, charged to the bench, holding each process's memory map meanwhile. Read at every
#: poll, it took ≈ 3 CPU-seconds from the command's 2 cores, and the national run was 2-3 s
#: slower (alternated runs); it is now read only near the RSS peak, every PSS_SECONDS at most.
POLL_SECONDS = 0.2
TREE_SECONDS = 1.0
PSS_SECONDS = 2.0
NEAR_PEAK = 0.97
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


class TreeMemory:
    """Peaks of a process tree's memory, in kB: the sum of its processes' RSS (`peak_kb`,
    never below the root's own VmHWM), the root's VmHWM (`own_kb`) and the sum of their PSS
    near the RSS peak (`pss_kb`)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = self.own_kb = self.pss_kb = 0
        self._tree: list[int] = []
        self._tree_due = self._pss_due = 0.0

    def poll(self) -> None:
        now = time.monotonic()
        if now >= self._tree_due:
            self._tree, self._tree_due = _tree(self.pid), now + TREE_SECONDS
        self.own_kb = max(self.own_kb, _hwm_kb(self.pid))
        rss = _rss_kb(self._tree)
        self.peak_kb = max(self.peak_kb, self.own_kb, rss)
        if rss >= NEAR_PEAK * self.peak_kb and now >= self._pss_due:
            self.pss_kb = max(self.pss_kb, _pss_kb(self._tree))
            self._pss_due = now + PSS_SECONDS


def _hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:  # the parent is the second field after the command's name, in parentheses
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo += children.get(p, [])
    return tree


def _rss_kb(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * _PAGE_KB
        except (OSError, ValueError, IndexError):
            continue
    return total


def _pss_kb(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total


def stage_seconds(out: str) -> tuple[float, float]:
    """The command's own split: reading (reference + ingest) and build + publication."""
    m = re.search(r"lecture ([\d.,]+) s, construction et publication ([\d.,]+) s", out)
    return (float(m[1].replace(",", ".")), float(m[2].replace(",", "."))) if m else (0.0, 0.0)


def site_files(site: Path) -> dict[str, int]:
    return {str(p.relative_to(site)): p.stat().st_mtime_ns for p in site.rglob("*.html")}


# --------------------------------------------------------------------------- baselines


def floor_csv_module(paths: list[Path]) -> int:
    rows = 0
    for p in paths:
        if p.suffix == ".xlsx":
            reader = fastexcel.read_excel(p)
            for name in reader.sheet_names:
                rows += reader.load_sheet(name, header_row=None, dtypes="string").height
        else:
            raw = p.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("cp1252")
            rows += sum(1 for _ in csv.reader(io.StringIO(text), delimiter=";"))
    return rows


def floor_duckdb(paths: list[Path]) -> int:
    """DuckDB's CSV reader, every column as text, in the file's encoding (UTF-8, else the
    Windows-1252 of spreadsheet exports, read as Latin-1)."""
    con = duckdb.connect()
    rows = 0
    for p in paths:
        for encoding in ("utf-8", "latin-1"):
            try:
                rows += con.sql(
                    "SELECT count(*) FROM read_csv($1, all_varchar = true, sep = ';', "
                    "null_padding = true, ignore_errors = true, encoding = $2)",
                    params=[str(p), encoding],
                ).fetchall()[0][0]
                break
            except duckdb.InvalidInputException:
                continue
    con.close()
    return rows


def floor_pandas(paths: list[Path]) -> int | None:
    try:
        import pandas as pd
    except ImportError:
        return None
    rows = 0
    for p in paths:
        rows += len(pd.read_csv(p, sep=";", dtype=str, encoding="latin-1", on_bad_lines="skip"))
    return rows


# --------------------------------------------------------------------------- scenarios


def reading(work: Path) -> list[dict]:
    demo = generate_demo(work / "reading", seed=2020)
    paths = inbox_files(demo.inbox)
    csvs = [p for p in paths if p.suffix == ".csv"]
    t_ours, results = timed(lambda: process_batch(paths))
    t_ours_csv, csv_results = timed(lambda: process_batch(csvs))
    rows = sum(r.rows_read for r in results)
    csv_rows = sum(r.rows_read for r in csv_results)
    out = [
        row("reading: reader + contract, all files", len(paths), rows, t_ours),
    ]
    t_floor, _ = timed(lambda: floor_csv_module(paths))
    out.append(row("  csv module + fastexcel, no contract", len(paths), rows, t_floor, t_ours))
    out.append(row("reading: reader + contract, CSV only", len(csvs), csv_rows, t_ours_csv))
    t_duck, _ = timed(lambda: floor_duckdb(csvs))
    out.append(row("  DuckDB read_csv, same CSV", len(csvs), csv_rows, t_duck, t_ours_csv))
    t_pd, n = timed(lambda: floor_pandas(csvs))
    if n is not None:
        out.append(row("  pandas read_csv, same CSV", len(csvs), csv_rows, t_pd, t_ours_csv))
    return out


def small_files(work: Path, scale: float) -> list[dict]:
    data = work / "small_files"
    demo = generate_demo(
        data,
        seed=2020,
        regions=tuple(ALL_REGIONS),
        per_porteur=True,
        **dict(NATIONAL, scale=NATIONAL["scale"] * scale),
    )
    paths = inbox_files(demo.inbox)
    t_pure, results = timed(lambda: process_batch(paths))
    rows = sum(r.rows_read for r in results)
    seconds, rss, _ = quartiers(data, "ingest", str(demo.inbox), "--json")
    visible = visible_files(data)
    return [
        row(
            "small files: quartiers ingest (Dagster, one run)",
            len(paths),
            rows,
            seconds,
            rss=rss,
            note=f"{visible} files visible in the UI (one partition each)",
        ),
        row("  process_batch alone (reading + checks)", len(paths), rows, t_pure, seconds),
    ]


def visible_files(data: Path) -> int:
    """Partitions of `raw_files` with a materialization: what the data staff see per file."""
    return int(
        _ask_instance(data, "print(len(i.get_materialized_partitions(dg.AssetKey('raw_files'))))")
    )


def _ask_instance(data: Path, code: str) -> str:
    """The last line printed by `code` run against the data folder's Dagster instance `i`
    (in a child process: the bench itself never imports Dagster)."""
    code = "import dagster as dg; i = dg.DagsterInstance.get();" + code
    env = dict(os.environ, DAGSTER_HOME=str(data / ".dagster_home"))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip().splitlines()[-1]


def build_steps(data: Path) -> str:
    """Where the last build run spent its time: the seconds of its steps of a second or more
    (dbt, the publication: snapshot and site side by side, the analysts' documentation
    when the dbt project is new), read from the data folder's Dagster instance."""
    code = (
        "r = i.get_runs(dg.RunsFilter(job_name='build_job'), limit=1)[0];"
        "print(';'.join(f'{s.step_key}={s.end_time - s.start_time:.1f}' "
        "for s in i.get_run_step_stats(r.run_id) if s.end_time))"
    )
    steps = dict(kv.split("=") for kv in _ask_instance(data, code).split(";"))
    names = {
        "quartiers_dbt": "dbt",
        "publication": "snapshot and site",
        "analysts_documentation": "documentation",
    }
    return ", ".join(
        f"{names.get(k, k)} {v} s" for k, v in steps.items() if float(v) >= 1 or k in names
    )


def national(work: Path, scale: float) -> tuple[list[dict], Path]:
    data = work / "national"
    demo = generate_demo(
        data,
        seed=2020,
        regions=tuple(ALL_REGIONS),
        **dict(NATIONAL, scale=NATIONAL["scale"] * scale),
    )
    paths = inbox_files(demo.inbox)
    actions = demo.actions_in_force().height
    seconds, rss, out = quartiers(data, "run")
    read_s, build_s = stage_seconds(out)
    t_pure, results = timed(lambda: process_batch(paths))
    rows = sum(r.rows_read for r in results)
    return [
        row(
            f"national: {actions:,} actions, empty to published site",
            len(paths),
            rows,
            seconds,
            rss=rss,
            note=f"reading {read_s:.1f} s, build and publication {build_s:.1f} s "
            f"({build_steps(data)}); the command's own process {OWN_PEAK_MIB[('run',)]:,} MiB, "
            f"the tree {TREE_PSS_MIB[('run',)]:,} MiB in PSS; {CPU_SECONDS[('run',)]:.1f} "
            "CPU-seconds",
        ),
        row("  process_batch alone (reading + checks)", len(paths), rows, t_pure, seconds),
    ], data


def one_file(data: Path) -> list[dict]:
    """One more porteur's return in the national inbox, then `quartiers run`."""
    site = data / "publication" / "site"
    extra = work_file(data)
    before = site_files(site)
    seconds, rss, _ = quartiers(data, "run")
    cpu, pss = CPU_SECONDS[("run",)], TREE_PSS_MIB[("run",)]
    after = site_files(site)
    rewritten = sum(1 for k, v in after.items() if before.get(k) != v)
    t_nothing, _, _ = quartiers(data, "run")
    return [
        row(
            f"one more file: quartiers run ({extra.name})",
            1,
            None,
            seconds,
            rss=rss,
            note=f"{rewritten} of {len(after)} pages rewritten; {build_steps(data)}; "
            f"the tree {pss:,} MiB in PSS; {cpu:.1f} CPU-seconds",
        ),
        row("  quartiers run, nothing new", 0, None, t_nothing, seconds),
    ]


def work_file(data: Path) -> Path:
    """A porteur's corrected return: a copy of an existing return, one count changed."""
    source = next(p for p in sorted((data / "inbox").glob("bilan_*_actions.csv")))
    text = source.read_bytes().decode("cp1252").splitlines(keepends=True)
    header, first = text[0], text[1]
    cells = first.split(";")
    # the last numeric cell of the first data row, plus one (the porteur's correction)
    for i in range(len(cells) - 1, -1, -1):
        if cells[i].strip().isdigit():
            cells[i] = str(int(cells[i]) + 1)
            break
    target = source.with_name(source.stem + "_v2.csv")
    target.write_bytes((header + ";".join(cells)).encode("cp1252"))
    return target


# --------------------------------------------------------------------------- report


def row(what, files, rows, seconds, main=None, *, rss=None, note="") -> dict:
    """A table row; `main`: on a baseline's row, the seconds of the scenario it measures,
    and the ratio says how many times the baseline's time the scenario takes."""
    return {
        "scenario": what,
        "files": files,
        "rows": rows,
        "seconds": round(seconds, 2),
        "files/s": round(files / seconds, 1) if files else None,
        "rows/s": round(rows / seconds) if rows else None,
        "ratio": round(main / seconds, 2) if main else None,
        "peak RSS (MiB)": rss,
        "note": note,
    }


def _cell(value) -> str:
    if value is None:
        return ""
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def markdown(rows: list[dict]) -> str:
    heads = list(rows[0])
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for r in rows:
        cells = [_cell(r[h]) for h in heads]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument(
        "scenarios",
        nargs="*",
        help=f"scenarios to run, among {', '.join(SCENARIOS)} (all by default)",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the volumes")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    args.scenarios = args.scenarios or list(SCENARIOS)
    if unknown := set(args.scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    # Beside the platform's own data folder rather than in the system's temporary folder: on
    # this machine creating a file in /tmp costs 0.2-0.7 ms of kernel time, 10 to 30 times
    # the project's disk, and a national run creates thousands (reports, pages, exports).
    (ROOT / "data").mkdir(exist_ok=True)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-", dir=ROOT / "data"))
    work.mkdir(parents=True, exist_ok=True)
    out: list[dict] = []
    try:
        if "reading" in args.scenarios:
            out += reading(work)
        if "small_files" in args.scenarios:
            out += small_files(work, SMALL_FILES_SCALE * args.scale)
        if "national" in args.scenarios or "one_file" in args.scenarios:
            rows, data = national(work, args.scale)
            out += rows
            if "one_file" in args.scenarios:
                out += one_file(data)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    cpus = os.cpu_count()
    load = os.getloadavg()[0]
    print(f"\n{cpus} cores, load average {load:.1f}; ratio = scenario's seconds / baseline's\n")
    print(markdown(out))
    print("\n" + json.dumps(out, ensure_ascii=False))
    print(
        f"\nbench process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB"
    )
    return out


if __name__ == "__main__":
    main()
