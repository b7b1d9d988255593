"""`make bench`: ingestion speed on a generated inbox, as a ratio to a baseline run in the
same process (reading the same files with no contract: csv module / fastexcel only)."""

from __future__ import annotations

import csv
import io
import json
import sys
import tempfile
import time
from pathlib import Path

import fastexcel

from demodata.generator import generate_demo
from returns.inbox import inbox_files
from returns.process import process_batch


def baseline(paths: list[Path]) -> int:
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


def best_of(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main(scale: float = 1.0) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        t_gen, demo = best_of(lambda: generate_demo(Path(tmp), seed=2020, scale=scale), repeat=1)
        paths = inbox_files(demo.inbox)
        t_base, _ = best_of(lambda: baseline(paths))
        t_ours, results = best_of(lambda: process_batch(paths))
    rows = sum(r.rows_read for r in results)
    report = {
        "files": len(paths),
        "rows": rows,
        "demo_generation_s": round(t_gen, 3),
        "baseline_s": round(t_base, 3),
        "ingestion_s": round(t_ours, 3),
        "ratio_to_baseline": round(t_ours / t_base, 2),
        "rows_per_s": round(rows / t_ours),
        "files_per_s": round(len(paths) / t_ours, 1),
    }
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
