"""Command line: `python -m demodata OUT_DIR [--regions 44 11 | all] [--seed N] [--scale X]
[--per-porteur]`."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from demodata.generator import NATIONAL, generate_demo
from demodata.territories import ALL_REGIONS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m demodata", description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--regions", nargs="+", default=["44"], help="région codes, or 'all'")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--qpv-2024-file", type=Path, default=None)
    parser.add_argument("--communes-file", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--per-porteur", action="store_true", help="one return per porteur")
    parser.add_argument(
        "--national", action="store_true", help="every région, calibrated on national figures"
    )
    args = parser.parse_args(argv)
    regions = ALL_REGIONS if args.regions == ["all"] or args.national else tuple(args.regions)
    calibration = dict(NATIONAL, scale=NATIONAL["scale"] * args.scale) if args.national else {}
    started = time.perf_counter()
    res = generate_demo(
        args.out_dir,
        seed=args.seed,
        regions=regions,
        qpv_2024_file=args.qpv_2024_file,
        **({"scale": args.scale} | calibration),
        communes_file=args.communes_file,
        workers=args.workers,
        per_porteur=args.per_porteur,
    )
    for key, value in res.summary().items():
        print(f"{key}: {value}")
    print(f"inbox: {res.inbox}")
    print(f"seconds: {time.perf_counter() - started:.1f}")


if __name__ == "__main__":
    main()
