"""100 QuickApps: time until every onInit has run, total memory, and fibaro.call round trips,
`plua2 up` side by side with plua (PyPI) running the same 100 files.

    python -m bench.quickapps [--count 100] [--runs 3] [--samples 300] [--batch 10] [--long 2000]
                              [--no-plua]

The QuickApps: bench/lua/qa_bench.lua, written `--count` times into a temporary folder as
qa001.lua .. qa100.lua with the names BenchQA001 .. BenchQA100 (nothing else differs). Its onInit
does a little work (a 2,000-step loop, `self:setVariable`, `self:updateProperty("value", true)`)
and prints the marker `QABENCH init <id>`.

Subjects, each started here in its own session and stopped by its PID (process group):
- plua2: `plua2 up DIR --host 127.0.0.1 --port P --state-dir TMP --log-format json`: one worker
  per QuickApp, forked from the zygote; console lines arrive on stdout as JSON.
- plua: `plua --fibaro --offline --nogreet --api-host 127.0.0.1 --api-port P --run-for 0
  qa001.lua ... qa100.lua`: plua's own multi-file mode. The first file is the main QuickApp, the
  others are installed after it (`Emulator:loadMainFile` -> `lib.loadQA`), all in the one Lua
  state of one process (its REST API is a second process); `--%%offline:true` is in every file.

Start-up: t0 = just before `Popen`; every stdout line is timed as it arrives (a reader thread,
PYTHONUNBUFFERED=1). "all onInit" = arrival of the last of the `--count` init markers. For plua2
the supervisor's own `ready` event (every worker RUNNING, i.e. its Ready sent after onInit) is
timed as well, and its "ready in X s" figure (counted from the supervisor's start, not the
process's) is kept. Afterwards the harness checks over REST that every QuickApp's device has
value == true (plua2 also: /plua/workers lists `--count` workers `running`).

Memory: 2 s after all onInit, psutil `memory_full_info()` of every process of the subject's tree
(the root and its children, recursively): USS, RSS and PSS summed. For plua2 that is the
supervisor, the zygote and the workers (workers are the zygote's children); for plua, its main
process and its API process. USS counts only pages private to a process (pages a worker still
shares with the zygote are in nobody's USS); PSS shares those out and sums to the real total.

fibaro.call: QuickApp A (BenchQA001) and B (BenchQA002) of the running 100. The harness sends
`POST /api/devices/A/action/go {"args": [B, n, batch]}`; 20 ms later (a timer, so that the REST
exchange is over) A prints `QABENCH start <batch>` and calls `fibaro.call(B, "ping", seq, A)`; B's
ping answers `fibaro.call(A, "pong", seq)`; A's pong starts the next round trip; after n it prints
`QABENCH done <batch> <n>`. No Lua clock is needed (an HC3 QuickApp has none finer than a second;
os.clock is CPU time): the harness times the two marker lines as they arrive on stdout, and a
batch's round trip is (done - start) / n.
Series, interleaved batch by batch (plua2, plua, plua2, ...), each batch started after both
QuickApps were idle for 20 ms:
- batches of `--batch` (10): the per-call mean of each batch, `--samples` batches: p50/p90/p99.
  The harness reads a line some 0.05-0.3 ms after it is written (thread wake-up on a busy box);
  over 10 round trips that error is spread thin;
- singles: n = 1, `--samples` of them: one round trip after idle, plus what the two console lines
  cost;
- baseline: n = 0: A prints both lines at once: what the two lines alone cost, i.e. the method's
  resolution. A single whose p50 is near the baseline's is below it (plua's is: its round trip
  is over before the harness has read the start line);
- long: n = `--long`, 3 batches: the mean round trip of calls back to back.
One-way latency is reported as RTT / 2, an estimate (both legs go the same way). plua2 and plua
batches are interleaved (both subjects are up during that phase, one idle while the other works).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from .common import (
    LUA_DIR,
    Report,
    finish,
    free_port,
    kill_group,
    plua2_bin,
    plua_bin,
    plua_version,
    stop_process,
    summary,
)
from .httpclient import basic_auth

HOST = "127.0.0.1"
AUTH = basic_auth("admin", "admin")
QA_TEMPLATE = LUA_DIR / "qa_bench.lua"
MARKER = re.compile(r"QABENCH (init|start|done) (\d+)(?: (\d+))?")
SETTLE = 2.0  # seconds between all onInit and the memory sample


def write_project(folder: Path, count: int) -> list[Path]:
    """`count` copies of the QuickApp, qa001.lua ..., named BenchQA001 ..."""
    folder.mkdir(parents=True, exist_ok=True)
    text = QA_TEMPLATE.read_text()
    files = []
    for i in range(1, count + 1):
        path = folder / f"qa{i:03d}.lua"
        path.write_text(text.replace("BenchQA000", f"BenchQA{i:03d}"))
        files.append(path)
    return files


# --- a subject: one process tree, its stdout timed line by line ---------------------------------


@dataclass
class Subject:
    name: str
    cmd: list[str]
    port: int
    auth: str | None
    cwd: Path
    proc: subprocess.Popen[bytes] | None = None
    t0: float = 0.0
    #: (seconds since t0, kind, number, extra) of every marker line, in arrival order
    markers: list[tuple[float, str, int, int | None]] = field(default_factory=list)
    ready_at: float | None = None  # plua2: arrival of the supervisor's "ready" event
    ready_self: str | None = None  # plua2: its own "N QuickApp(s) ready in X s" message
    tail: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)  # device name -> id, once up
    cond: threading.Condition = field(default_factory=threading.Condition)

    def start(self) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True)  # fmt: skip
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        try:
            self._read_lines(self.proc.stdout)
        except (OSError, ValueError):  # the pipe closed under us by stop()
            pass
        with self.cond:
            self.cond.notify_all()

    def _read_lines(self, stdout: Any) -> None:
        for raw in stdout:
            t = time.perf_counter() - self.t0
            line = raw.decode(errors="replace").rstrip("\n")
            m = MARKER.search(line)
            with self.cond:
                if m:
                    extra = int(m.group(3)) if m.group(3) else None
                    self.markers.append((t, m.group(1), int(m.group(2)), extra))
                elif '"event": "ready"' in line:
                    self.ready_at = t
                    try:
                        self.ready_self = json.loads(line).get("message")
                    except ValueError:
                        self.ready_self = line
                else:
                    self.tail = (self.tail + [line])[-40:]
                self.cond.notify_all()

    def wait_for(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                result = predicate()
                if result:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"{self.name}: timed out after {timeout} s waiting for "
                                       f"{what}; last lines: {self.tail[-5:]}")  # fmt: skip
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited ({self.proc.returncode}) waiting for "
                                       f"{what}; last lines: {self.tail[-10:]}")  # fmt: skip
                self.cond.wait(min(left, 0.5))

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            kill_group(self.proc.pid)
            if self.proc.stdout is not None:
                self.proc.stdout.close()

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if self.auth:
            headers["Authorization"] = self.auth
        try:
            conn.request(method, path, None if body is None else json.dumps(body), headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        try:
            return response.status, json.loads(data) if data else None
        except ValueError:
            return response.status, data[:200]


def plua2_subject(project: Path, work: Path) -> Subject:
    port = free_port()
    cmd = [*plua2_bin(), "up", str(project), "--host", HOST, "--port", str(port), "--state-dir",
           str(work / "plua2-state"), "--log-format", "json"]  # fmt: skip
    return Subject("plua2", cmd, port, AUTH, work)


def plua_subject(files: list[Path], work: Path) -> Subject:
    plua = plua_bin()
    if plua is None:
        raise RuntimeError("plua is not installed: run bench/setup_competitors.sh")
    port = free_port()  # plua kills whatever holds its API port: give it a free one
    cmd = [str(plua), "--fibaro", "--offline", "--nogreet", "--api-host", HOST, "--api-port",
           str(port), "--run-for", "0", *(str(f) for f in files)]  # fmt: skip
    return Subject("plua", cmd, port, None, work)


# --- start-up and memory -----------------------------------------------------------------------


def startup(subject: Subject, count: int, timeout: float = 180.0) -> dict[str, Any]:
    subject.start()

    def inits() -> list[float] | None:
        times = [t for t, kind, _, _ in subject.markers if kind == "init"]
        return times if len(times) >= count else None

    times = subject.wait_for(inits, timeout, f"{count} init markers")
    result: dict[str, Any] = {
        "all_init": max(times), "first_init": min(times), "init_markers": len(times),
    }  # fmt: skip
    if subject.name == "plua2":
        subject.wait_for(lambda: subject.ready_at is not None, 30, "the ready event")
        result["ready_event"] = subject.ready_at
        result["ready_self"] = subject.ready_self
    return result


def check_effects(subject: Subject, count: int) -> dict[str, Any]:
    """Every BenchQA device has value == true; plua2: `count` workers running."""
    status, devices = subject.request("GET", "/api/devices")
    ours = [d for d in devices or [] if str(d.get("name", "")).startswith("BenchQA")]
    on = sum(1 for d in ours if d.get("properties", {}).get("value") is True)
    out: dict[str, Any] = {"devices_status": status, "devices": len(ours), "value_true": on,
                           "ids": {d["name"]: d["id"] for d in ours}}  # fmt: skip
    if subject.name == "plua2":
        _, workers = subject.request("GET", "/plua/workers")
        out["workers_running"] = sum(1 for w in workers or [] if w.get("state") == "running")
    return out


def tree_memory(root_pid: int) -> dict[str, Any]:
    """USS/RSS/PSS of a process and all its descendants, summed, with a breakdown by role."""
    root = psutil.Process(root_pid)
    procs = [root, *root.children(recursive=True)]
    roles: dict[str, list[dict[str, int]]] = {}
    totals = {"uss": 0, "rss": 0, "pss": 0}
    cpu_seconds = 0.0
    for p in procs:
        try:
            mem = p.memory_full_info()
            cpu = p.cpu_times()
            cmdline = " ".join(p.cmdline())
            ppid = p.ppid()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if p.pid == root_pid:
            role = "root"
        elif "zygote_server" in cmdline and ppid == root_pid:
            role = "zygote"
        elif "zygote_server" in cmdline or "plua2.worker" in cmdline:
            role = "worker"
        else:
            role = "other"
        one = {"uss": mem.uss, "rss": mem.rss, "pss": mem.pss}
        cpu_seconds += cpu.user + cpu.system
        roles.setdefault(role, []).append(one)
        for k in totals:
            totals[k] += one[k]
    return {
        "processes": sum(len(v) for v in roles.values()),
        "cpu_seconds": cpu_seconds,  # user + system of the live processes so far
        "total": totals,
        "roles": {
            role: {
                "count": len(items),
                **{k: sum(i[k] for i in items) for k in totals},
                **({f"{k}_p50": statistics.median(i[k] for i in items) for k in totals}
                   if len(items) > 1 else {}),
            }
            for role, items in roles.items()
        },
    }  # fmt: skip


# --- fibaro.call round trips -------------------------------------------------------------------


class Caller:
    """Runs batches of round trips A -> B -> A in one subject, timed by the marker lines."""

    def __init__(self, subject: Subject, a: int, b: int) -> None:
        self.subject, self.a, self.b = subject, a, b
        self.batch = 0

    def round_trips(self, n: int, timeout: float = 120.0) -> float:
        """Seconds from the arrival of A's start line to that of its done line, n round trips."""
        self.batch += 1
        batch = self.batch
        status, body = self.subject.request(
            "POST", f"/api/devices/{self.a}/action/go", {"args": [self.b, n, batch]}
        )
        if status >= 300:
            raise RuntimeError(f"{self.subject.name}: action go answered {status}: {body!r}")

        def both() -> tuple[float, float] | None:
            start = done = None
            for t, kind, number, _ in reversed(self.subject.markers):
                if number == batch and kind == "start":
                    start = t
                elif number == batch and kind == "done":
                    done = t
                if start is not None and done is not None:
                    return start, done
            return None

        start, done = self.subject.wait_for(both, timeout, f"batch {batch} ({n} round trips)")
        return float(done - start)


# --- the benchmark -----------------------------------------------------------------------------


def run(
    report: Report,
    count: int = 100,
    runs: int = 3,
    samples: int = 300,
    batch: int = 10,
    long_n: int = 2000,
    with_plua: bool = True,
) -> None:
    with_plua = with_plua and plua_bin() is not None
    names = ["plua2", "plua"] if with_plua else ["plua2"]
    data: dict[str, Any] = {"count": count, "runs": runs, "plua_version": plua_version(),
                            "loadavg_start": os.getloadavg(), "startup": {n: [] for n in names},
                            "memory": {n: [] for n in names}, "effects": {n: [] for n in names},
                            "calls": {}, "errors": []}  # fmt: skip
    report.data["quickapps"] = data
    work = Path(tempfile.mkdtemp(prefix="plua2-bench-qa-"))
    try:
        project = work / "project"
        files = write_project(project, count)
        for r in range(runs):
            last = r == runs - 1
            order = names if r % 2 == 0 else list(reversed(names))  # alternate who goes first
            with ExitStack() as stack:
                up: dict[str, Subject] = {}
                for name in order:
                    rundir = work / f"run{r}-{name}"
                    rundir.mkdir()
                    subject = (plua2_subject(project, rundir) if name == "plua2"
                               else plua_subject(files, rundir))  # fmt: skip
                    stack.callback(subject.stop)
                    load = os.getloadavg()[0]
                    try:
                        s = startup(subject, count)
                    except Exception as exc:
                        data["errors"].append(f"run {r} {name}: {exc}")
                        print(f"[quickapps] {name} start-up failed: {exc}", flush=True)
                        subject.stop()
                        continue
                    s["loadavg"] = load
                    time.sleep(SETTLE)
                    assert subject.proc is not None
                    mem = tree_memory(subject.proc.pid)
                    effects = check_effects(subject, count)
                    data["startup"][name].append(s)
                    data["memory"][name].append(mem)
                    data["effects"][name].append({k: v for k, v in effects.items() if k != "ids"})
                    print(f"[quickapps] run {r} {name}: all onInit {s['all_init']:.2f} s"
                          + (f", ready event {s['ready_event']:.2f} s" if "ready_event" in s else "")
                          + f"; {mem['processes']} processes, USS {mem['total']['uss'] / 2**20:.0f} MiB,"
                          f" PSS {mem['total']['pss'] / 2**20:.0f} MiB,"
                          f" RSS {mem['total']['rss'] / 2**20:.0f} MiB, CPU {mem['cpu_seconds']:.1f} s;"
                          f" {effects['value_true']}/"
                          f"{count} value=true (load {load:.2f})", flush=True)  # fmt: skip
                    up[name] = subject
                    subject.ids = effects["ids"]
                if last and up:
                    data["calls"] = calls(up, samples, batch, long_n)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    data["loadavg_end"] = os.getloadavg()
    add_rows(report, data, names)


def calls(up: dict[str, Subject], samples: int, batch: int, long_n: int) -> dict[str, Any]:
    callers: dict[str, Caller] = {}
    out: dict[str, Any] = {}
    for name, subject in up.items():
        a, b = subject.ids.get("BenchQA001"), subject.ids.get("BenchQA002")
        if a is None or b is None:
            out[name] = {"error": f"QuickApps not found: {sorted(subject.ids)[:3]}"}
            continue
        callers[name] = Caller(subject, a, b)
        out[name] = {"a": a, "b": b, "batch": batch, "batches": [], "singles": [], "baseline": [],
                     "long": [], "long_n": long_n}  # fmt: skip
        callers[name].round_trips(100)  # warm-up
    load0 = os.getloadavg()
    print(f"[quickapps] fibaro.call: {samples} x (batch of {batch}, single, baseline) each, "
          "interleaved ...", flush=True)  # fmt: skip
    for _ in range(samples):
        for name, caller in callers.items():
            out[name]["batches"].append(caller.round_trips(batch) / batch)
            out[name]["singles"].append(caller.round_trips(1))
            out[name]["baseline"].append(caller.round_trips(0))
    print(f"[quickapps] fibaro.call: 3 x {long_n} in a row each, interleaved ...", flush=True)
    for _ in range(3):
        for name, caller in callers.items():
            out[name]["long"].append(caller.round_trips(long_n) / long_n)
    for name in callers:
        for key in ("batches", "singles", "baseline"):
            out[name][f"{key}_summary"] = summary(out[name][key])
        out[name]["long_median"] = statistics.median(out[name]["long"])
        out[name]["loadavg"] = [load0, os.getloadavg()]
    return out


def _med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def add_rows(report: Report, data: dict[str, Any], names: list[str]) -> None:
    count = data["count"]
    label = {"plua2": "plua2 up", "plua": f"plua {data['plua_version']}"}
    medians: dict[str, dict[str, float]] = {}
    for name in names:
        runs = data["startup"][name]
        mems = data["memory"][name]
        if not runs:
            report.add(
                "quickapps", label[name], "start-up", "failed", "", "; ".join(data["errors"])[:120]
            )
            continue
        all_init = [s["all_init"] for s in runs]
        m = medians.setdefault(name, {})
        m["all_init"] = _med(all_init)
        report.add("quickapps", label[name], f"process start -> all {count} onInit (s)",
                   " / ".join(f"{x:.2f}" for x in all_init), "",
                   f"median {m['all_init']:.2f} s, last init marker on stdout")  # fmt: skip
        if name == "plua2":
            ready = [s["ready_event"] for s in runs]
            report.add("quickapps", label[name], "process start -> ready event (s)",
                       " / ".join(f"{x:.2f}" for x in ready), "",
                       f"supervisor: {runs[-1].get('ready_self')}")  # fmt: skip
        for key in ("uss", "pss", "rss"):
            m[key] = _med([mem["total"][key] for mem in mems])
        procs = mems[-1]["processes"]
        cpu = _med([mem["cpu_seconds"] for mem in mems])
        report.add("quickapps", label[name], "total USS / PSS / RSS (MiB)",
                   f"{m['uss'] / 2**20:.0f} / {m['pss'] / 2**20:.0f} / {m['rss'] / 2**20:.0f}", "",
                   f"median of {len(mems)}, {procs} processes, {SETTLE:g} s after all onInit; "
                   f"CPU so far {cpu:.1f} s")  # fmt: skip
        eff = data["effects"][name][-1]
        report.add("quickapps", label[name], "devices with value=true", f"{eff['value_true']}/{count}",
                   "", f"workers running: {eff['workers_running']}" if "workers_running" in eff else "")  # fmt: skip
    if "plua2" in medians and "plua" in medians:
        a, b = medians["plua2"], medians["plua"]
        report.add("quickapps", "plua2 / plua", "all onInit time; USS; PSS",
                   f"{a['all_init'] / b['all_init']:.2f}x; {a['uss'] / b['uss']:.1f}x; "
                   f"{a['pss'] / b['pss']:.1f}x", "", "plua2's figure / plua's (medians)")  # fmt: skip
    for name in names:
        c = data["calls"].get(name)
        if not c:
            continue
        if "error" in c:
            report.add("fibaro.call", label[name], "error", c["error"][:120])
            continue

        def cell(key: str, c: dict[str, Any] = c) -> str:
            x = c[f"{key}_summary"]
            return f"{x['p50'] * 1e3:.3f} / {x['p90'] * 1e3:.3f} / {x['p99'] * 1e3:.3f}"

        n = c["batches_summary"]["n"]
        single, base = c["singles_summary"]["p50"], c["baseline_summary"]["p50"]
        report.add("fibaro.call", label[name], f"round trip per call, batches of {c['batch']}: "
                   "p50 / p90 / p99 (ms)", cell("batches"), "",
                   f"{n} batches, each after 20 ms idle")  # fmt: skip
        report.add("fibaro.call", label[name], "single round trip: p50 / p90 / p99 (ms)",
                   cell("singles"), "",
                   f"baseline (marker lines alone) {cell('baseline')}"
                   + ("; BELOW RESOLUTION" if single < 2 * base else ""))  # fmt: skip
        report.add("fibaro.call", label[name], f"round trip, {c['long_n']} in a row: mean (ms)",
                   f"{c['long_median'] * 1e3:.3f}", "",
                   f"median of 3; one-way ~ RTT/2 = {c['long_median'] * 1e3 / 2:.3f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.quickapps", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--count", type=int, default=100, help="QuickApps (default 100)")
    parser.add_argument("--runs", type=int, default=3, help="start-ups per runtime (default 3)")
    parser.add_argument("--samples", type=int, default=300, help="batches, singles (default 300)")
    parser.add_argument("--batch", type=int, default=10, help="round trips a batch (default 10)")
    parser.add_argument(
        "--long", type=int, default=2000, help="round trips in a row (default 2000)"
    )
    parser.add_argument("--no-plua", action="store_true", help="plua2 only")
    args = parser.parse_args()
    report = Report("quickapps")
    run(report, args.count, args.runs, args.samples, args.batch, args.long, not args.no_plua)
    finish(report)


if __name__ == "__main__":
    main()
