"""Virtual time: timer callbacks per second under `--instant`, side by side with fibaro-flua.

    python -m bench.virtual_time [--runs N] [--plua2-n N] [--flua-n N] [--no-flua]

The same QuickApp (bench/lua/instant_chain.lua, N written into it) runs in both: its onInit
prints "chain start", then chains `setTimeout(step, 1000)` N times (one virtual second each), prints
"chain done ..." and calls os.exit. Under an instant clock no real second passes between two
callbacks: the rate is how fast a runtime jumps from one timer to the next.

- plua2: `plua2 up DIR --instant --start "2027-01-04 00:00" --log-format json` on a temporary
  project holding only this QuickApp (127.0.0.1, a free port, a temporary state folder); the
  console lines arrive on stdout as JSON. Stopped by PID once "chain done" arrived.
- plua2, two QuickApps: the same with two copies of the QuickApp (N/2 each), whose timers fall at
  the same virtual seconds: each step is a round trip through the supervisor (both report idle,
  both are granted the next second), the worst case of the synchronised clock.
- flua: `bench/.venv-flua/bin/flua --instant --nogreet --color never --start "2027/1/4 00:00:00"
  FILE` (fibaro-flua from PyPI, bench/setup_competitors.sh); it ends at os.exit.

Rate = N / (arrival of the "chain done" line - arrival of the "chain start" line), lines timed as
they arrive on the pipe (PYTHONUNBUFFERED=1). Runs are interleaved (plua2, flua, plua2, ...); the
table shows the median. N differs per runtime (flua does about 100 callbacks a second) so that each
run lasts seconds, not minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from .common import LUA_DIR, REPO, Report, finish, free_port, plua2_bin, stop_process

QA_FILE = LUA_DIR / "instant_chain.lua"
FLUA = REPO / "bench" / ".venv-flua" / "bin" / "flua"
START_PLUA2 = "2027-01-04 00:00"
START_FLUA = "2027/1/4 00:00:00"
DONE = re.compile(r"chain done (\d+) callbacks")


def quickapp(n: int, name: str = "InstantChain") -> str:
    text = QA_FILE.read_text()
    return text.replace("local N = 1000", f"local N = {n}").replace("InstantChain", name)


def flua_version() -> str:
    python = FLUA.parent / "python"
    if not python.exists():
        return "not installed"
    out = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('fibaro-flua'))"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    return out.stdout.strip() or "?"


def _lines_until(
    cmd: list[str], done_count: int, timeout: float, cwd: Path | None = None
) -> list[tuple[float, str]]:
    """Start `cmd` in its own session; timed stdout lines until `done_count` "chain done" lines
    arrived, it exited, or `timeout`; then it is stopped by PID (process group)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    timer = threading.Timer(timeout, stop_process, args=(proc, 1.0))
    timer.start()
    t0 = time.perf_counter()
    lines: list[tuple[float, str]] = []
    done = 0
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            lines.append((time.perf_counter() - t0, line))
            if DONE.search(line):
                done += 1
                if done >= done_count:
                    break
    finally:
        timer.cancel()
        stop_process(proc, 2.0)
        if proc.stdout is not None:
            proc.stdout.close()
    return lines


def _message(line: str) -> str:
    if line.startswith("{"):
        try:
            return str(json.loads(line).get("message", ""))
        except ValueError:
            return line
    return line


def _rate(lines: list[tuple[float, str]], n: int) -> float | None:
    starts = [t for t, line in lines if "chain start" in _message(line)]
    dones = [t for t, line in lines if DONE.search(_message(line))]
    if not starts or not dones:
        return None
    return n / (max(dones) - min(starts))


def run_plua2(n: int, copies: int = 1, timeout: float = 120) -> float | None:
    work = Path(tempfile.mkdtemp(prefix="plua2-bench-vt-"))
    try:
        project = work / "project"
        project.mkdir()
        for i in range(copies):
            (project / f"chain{i}.lua").write_text(quickapp(n // copies, f"InstantChain{i}"))
        cmd = [*plua2_bin(), "up", str(project), "--host", "127.0.0.1", "--port",
               str(free_port()), "--state-dir", str(work / "state"), "--instant", "--start",
               START_PLUA2, "--log-format", "json"]  # fmt: skip
        return _rate(_lines_until(cmd, copies, timeout), n // copies * copies)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_flua(n: int, timeout: float = 300) -> float | None:
    work = Path(tempfile.mkdtemp(prefix="flua-bench-vt-"))
    try:
        qa = work / "instant_chain.lua"
        qa.write_text(quickapp(n))
        cmd = [str(FLUA), "--instant", "--nogreet", "--color", "never", "--start", START_FLUA,
               str(qa)]  # fmt: skip
        return _rate(_lines_until(cmd, 1, timeout, cwd=work), n)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(
    report: Report,
    runs: int = 3,
    plua2_n: int = 100_000,
    flua_n: int = 1000,
    with_flua: bool = True,
) -> None:
    with_flua = with_flua and FLUA.exists()
    series: dict[str, list[float]] = {"plua2": [], "plua2-2qa": [], "flua": []}
    for _ in range(runs):
        for name in series:
            if name == "flua" and not with_flua:
                continue
            if name == "plua2":
                rate = run_plua2(plua2_n)
            elif name == "plua2-2qa":
                rate = run_plua2(plua2_n // 5, copies=2)
            else:
                rate = run_flua(flua_n)
            if rate is not None:
                series[name].append(rate)
            print(f"[virtual_time] {name}: {rate and round(rate)} callbacks/s", flush=True)
    report.data["virtual_time"] = {
        "series": series, "plua2_n": plua2_n, "flua_n": flua_n, "flua": flua_version(),
        "loadavg": os.getloadavg(),
    }  # fmt: skip

    def cell(values: list[float]) -> str:
        return f"{statistics.median(values):,.0f}/s" if values else "failed"

    report.add("virtual_time", "plua2 up --instant", "timer callbacks/s (1 QuickApp)",
               cell(series["plua2"]), ">= 10,000/s", f"N={plua2_n}, median of {runs}")  # fmt: skip
    report.add("virtual_time", "plua2 up --instant", "timer callbacks/s (2 QuickApps, lockstep)",
               cell(series["plua2-2qa"]), "", f"N={plua2_n // 5}, same virtual seconds")  # fmt: skip
    if with_flua:
        report.add("virtual_time", f"flua {flua_version()} --instant",
                   "timer callbacks/s (1 QuickApp)", cell(series["flua"]), "",
                   f"N={flua_n}, median of {runs}")  # fmt: skip
        if series["plua2"] and series["flua"]:
            ratio = statistics.median(series["plua2"]) / statistics.median(series["flua"])
            report.add("virtual_time", "plua2 / flua", "ratio", f"{ratio:,.0f}x")
    else:
        report.add("virtual_time", "flua", "-", "not installed", "", "bench/setup_competitors.sh")


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.virtual_time", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--plua2-n", type=int, default=100_000)
    parser.add_argument("--flua-n", type=int, default=1000)
    parser.add_argument("--no-flua", action="store_true")
    args = parser.parse_args()
    report = Report("virtual_time")
    run(report, args.runs, args.plua2_n, args.flua_n, with_flua=not args.no_flua)
    finish(report)


if __name__ == "__main__":
    main()
