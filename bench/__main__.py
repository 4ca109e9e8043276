"""Run every benchmark: `python -m bench` from the repository root.

    python -m bench                  # all: spawn, scripts, http_api, quickapps, virtual_time
                                     # (+ plua, flua)
    python -m bench --quick          # fewer repetitions, shorter load runs (a smoke run)
    python -m bench --only spawn scripts
    python -m bench --wait-quiet 120 # first wait up to 120 s for the 1-min load average to drop

Prints one table and writes bench/results/all-<time>.json (machine, rows, raw data). Each module
also runs alone: `python -m bench.spawn`, `python -m bench.scripts`, `python -m bench.http_api`,
`python -m bench.quickapps`, `python -m bench.virtual_time`.
Competitors come from `bench/setup_competitors.sh` (plua in bench/.venv-plua, fibaro-flua in
bench/.venv-flua, wrk).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from . import http_api, quickapps, scripts, spawn, virtual_time
from .common import Report, machine, print_table, save_results

MODULES = ("spawn", "scripts", "http_api", "quickapps", "virtual_time")


def wait_quiet(limit: float, threshold: float) -> float:
    """Wait (at most `limit` s) until the 1-minute load average is under `threshold`."""
    deadline = time.monotonic() + limit
    load = os.getloadavg()[0]
    while load >= threshold and time.monotonic() < deadline:
        time.sleep(5)
        load = os.getloadavg()[0]
    return load


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="run every plua2 benchmark"
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    parser.add_argument("--only", nargs="+", choices=MODULES, default=list(MODULES))
    parser.add_argument("--no-plua", action="store_true", help="skip the competitors (plua, flua)")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="wait up to SECONDS for a load average under 0.5 first")  # fmt: skip
    args = parser.parse_args()

    if args.wait_quiet:
        print(f"[bench] load average now {wait_quiet(args.wait_quiet, 0.5):.2f}", flush=True)
    info = machine()
    print(
        f"[bench] {info['cpu_model']}, nproc {info['nproc']}, Python {info['python']}, "
        f"{info['date']}, git {info['git']}",
        flush=True,
    )
    report = Report("all")
    loads: dict[str, Any] = {}
    quick = args.quick
    for name in args.only:
        before = os.getloadavg()[0]
        t0 = time.monotonic()
        try:
            if name == "spawn":
                spawn.run(report, spawns=30 if quick else 200, pings=1000 if quick else 5000,
                          memory=3 if quick else 10)  # fmt: skip
            elif name == "scripts":
                scripts.run(report, empty_runs=3 if quick else 20, chain_runs=1 if quick else 5,
                            with_plua=not args.no_plua)  # fmt: skip
            elif name == "http_api":
                http_api.run(report, duration=2.0 if quick else 10.0, with_plua=not args.no_plua,
                             change_samples=50 if quick else 300)  # fmt: skip
            elif name == "quickapps":
                quickapps.run(report, runs=1 if quick else 3, samples=50 if quick else 300,
                              long_n=500 if quick else 2000, with_plua=not args.no_plua)  # fmt: skip
            elif name == "virtual_time":
                virtual_time.run(report, runs=1 if quick else 3, flua_n=200 if quick else 1000,
                                 with_flua=not args.no_plua)  # fmt: skip
        except Exception as exc:  # one benchmark failing must not lose the others' figures
            report.add(name, "-", "error", f"{type(exc).__name__}: {exc}"[:160])
            report.data.setdefault("errors", {})[name] = repr(exc)
        loads[name] = {"loadavg_before": before, "loadavg_after": os.getloadavg()[0],
                       "seconds": time.monotonic() - t0}  # fmt: skip
    print()
    print_table(report.rows)
    path = save_results(
        "all",
        {
            "machine": info,
            "quick": quick,
            "loads": loads,
            "rows": [r.__dict__ for r in report.rows],
            "data": report.data,
        },  # fmt: skip
    )
    print(f"\nresults: {path}")
    for name, load in loads.items():
        print(
            f"  {name}: {load['seconds']:.0f} s, load average {load['loadavg_before']:.2f} -> {load['loadavg_after']:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
