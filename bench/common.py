"""What every benchmark shares: statistics, the machine's description, result files, the table
printer, the competitors' command lines, and starting/stopping processes by PID.

Every process a benchmark starts is stopped by its PID (its process group when it has its own
session), never by name; all load goes to 127.0.0.1.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
LUA_DIR = BENCH_DIR / "lua"

PLUA_VENV = BENCH_DIR / ".venv-plua"
FLUA_VENV = BENCH_DIR / ".venv-flua"


# --- statistics ------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100), linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: Sequence[float]) -> dict[str, float]:
    """n, mean, min, p50, p90, p99, max of a sample."""
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "mean": statistics.fmean(values),
        "min": min(values),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
        "max": max(values),
    }


# --- the machine -----------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = platform.processor() or "?"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    mem_total = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_total = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "mem_total_gib": round(mem_total / 2**30, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "git": git_head(),
    }


def git_head() -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


# --- results ---------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the printed table: what was measured, for whom, and the figures."""

    bench: str
    subject: str
    metric: str
    value: str
    target: str = ""
    note: str = ""


@dataclass
class Report:
    name: str
    rows: list[Row] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def add(
        self, bench: str, subject: str, metric: str, value: str, target: str = "", note: str = ""
    ) -> None:
        self.rows.append(Row(bench, subject, metric, value, target, note))


def print_table(rows: Iterable[Row], out: Any = None) -> None:
    out = out or sys.stdout
    rows = list(rows)
    headers = ("bench", "subject", "metric", "value", "target", "note")
    cells = [headers] + [(r.bench, r.subject, r.metric, r.value, r.target, r.note) for r in rows]
    widths = [max(len(str(c[i])) for c in cells) for i in range(len(headers))]
    for n, c in enumerate(cells):
        print("  ".join(str(x).ljust(w) for x, w in zip(c, widths, strict=True)).rstrip(), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)
    out.flush()


def save_results(name: str, payload: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    path.write_text(json.dumps(payload, indent=2, default=str))
    return path


def finish(report: Report) -> Path:
    """Print the table and write the JSON of one benchmark module run on its own."""
    print_table(report.rows)
    path = save_results(
        report.name,
        {"machine": machine(), "rows": [r.__dict__ for r in report.rows], "data": report.data},
    )
    print(f"\nresults: {path}")
    return path


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


# --- competitors -----------------------------------------------------------------------------


def plua_bin() -> Path | None:
    path = PLUA_VENV / "bin" / "plua"
    return path if path.exists() else None


def plua_version() -> str:
    python = PLUA_VENV / "bin" / "python"
    if not python.exists():
        return "not installed"
    out = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('plua'))"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return out.stdout.strip() or "?"


def plua2_bin() -> list[str]:
    """How the benchmarks start plua2: the console script of the interpreter running them."""
    script = Path(sys.executable).parent / "plua2"
    return [str(script)] if script.exists() else [sys.executable, "-m", "plua2"]


# --- processes -------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(proc: subprocess.Popen[Any], grace: float = 5.0) -> int | None:
    """Stop a process we started, by its PID: SIGTERM to its process group (it was started with
    its own session), then SIGKILL after `grace`. Returns its exit status."""
    if proc.poll() is not None:
        return proc.returncode
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        except PermissionError:
            proc.send_signal(sig)
        try:
            return proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    return proc.poll()


def kill_group(pgid: int) -> None:
    """SIGKILL what is left of a process group we created (children a competitor forked)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@dataclass
class RunResult:
    wall: float  # seconds from start to exit
    status: int
    stdout: str
    stderr: str
    #: (seconds since start, line) for each stdout line, timed as it arrived
    lines: list[tuple[float, str]] = field(default_factory=list)


def timed_run(cmd: Sequence[str], cwd: Path | None = None, timeout: float = 600) -> RunResult:
    """Run a command to completion in its own session, timing its exit and each stdout line as it
    arrives (PYTHONUNBUFFERED=1 so Python programs flush each line)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with tempfile.TemporaryFile() as err_file:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err_file,
            start_new_session=True,
        )
        timer = threading.Timer(timeout, stop_process, args=(proc,))
        timer.start()
        lines: list[tuple[float, str]] = []
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                lines.append((time.perf_counter() - t0, raw.decode(errors="replace").rstrip("\n")))
            status = proc.wait()
            wall = time.perf_counter() - t0
        finally:
            timer.cancel()
            kill_group(proc.pid)  # a daemon child left in the group (plua's API process) goes too
            if proc.stdout is not None:
                proc.stdout.close()
        err_file.seek(0)
        stderr = err_file.read().decode(errors="replace")
    return RunResult(wall, status, "\n".join(text for _, text in lines), stderr, lines)
