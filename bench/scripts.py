"""Plain scripts, side by side with plua: empty-script wall time and 100,000 chained timers.

    python -m bench.scripts [--empty-runs N] [--chain-runs N] [--no-plua]

The same Lua files (bench/lua/) run in both, as a user would run them:
- plua2: `plua2 run FILE` (one supervised worker; it ends when no timers are left);
- plua:  `plua --nogreet --no-api FILE` from bench/.venv-plua (it ends when no timers are left, after
  a fixed 0.5 s grace sleep of its own); the empty script also with plua's default REST API on (on a
  free 127.0.0.1 port: plua kills whatever process holds its API port).

Figures: wall time of the whole command (p50/p90 over the runs), and for the chain both the rate the
script itself prints (os.clock, i.e. CPU time of the whole process, all threads) and a wall rate,
N / (time between the arrival of the script's "chain start" line and of its result line), both
runtimes run with PYTHONUNBUFFERED=1 so each printed line is flushed as it is written. The runs are
interleaved (plua2, plua, plua2, ...) so that a shared box's changing load hits both alike.
A third plua2 figure, "worker direct", loads chain.lua into a zygote-spawned worker over the wire
(no `plua2 run` around it) and times Load -> the printed line.
"""

from __future__ import annotations

import argparse
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trio

from .common import (
    LUA_DIR,
    REPO,
    Report,
    finish,
    free_port,
    plua2_bin,
    plua_bin,
    plua_version,
    summary,
    timed_run,
)

CHAIN_LINE = re.compile(r"chained (\d+) timers in ([0-9.]+) s")


def _parse_chain(stdout: str) -> tuple[int, float] | None:
    m = CHAIN_LINE.search(stdout)
    return (int(m.group(1)), float(m.group(2))) if m else None


@dataclass
class Series:
    """The runs of one command."""

    cmd: list[str]
    walls: list[float] = field(default_factory=list)
    lua_rates: list[float] = field(default_factory=list)
    line_rates: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    count: int = 0

    def run_once(self) -> None:
        result = timed_run(self.cmd, cwd=REPO, timeout=600)
        if result.status != 0:
            lines = (result.stderr or result.stdout).strip().splitlines() or ["(no output)"]
            self.failures.append(f"exit {result.status}: {lines[-1][:200]}")
            return
        self.walls.append(result.wall)
        parsed = _parse_chain(result.stdout)
        if parsed:
            self.count, cpu = parsed
            self.lua_rates.append(self.count / cpu if cpu > 0 else float("inf"))
            t_start = next((t for t, text in result.lines if text.startswith("chain start")), None)
            t_end = next((t for t, text in result.lines if CHAIN_LINE.search(text)), None)
            if t_start is not None and t_end is not None and t_end > t_start:
                self.line_rates.append(self.count / (t_end - t_start))

    def result(self) -> dict[str, Any]:
        return {
            "cmd": self.cmd,
            "wall": summary(self.walls),
            "lua_rate": summary(self.lua_rates),
            "line_rate": summary(self.line_rates),
            "count": self.count,
            "failures": self.failures[:3],
            "failed": len(self.failures),
        }


def run_interleaved(series: dict[str, Series], runs: int, label: str) -> dict[str, dict[str, Any]]:
    """`runs` rounds, each running every command once in turn, so that a shared box's changing
    load is spread over all of them alike."""
    for _ in range(runs):
        for one in series.values():
            one.run_once()
    for name, one in series.items():
        print(f"[scripts] {name} {label}: {len(one.walls)}/{runs} ok", flush=True)
    return {name: one.result() for name, one in series.items()}


async def _worker_direct_chain(source: str) -> dict[str, Any]:
    """Load chain.lua into a zygote-spawned worker; time Load -> its printed line."""
    from plua2.shared.messages import Log

    from .spawn import _zygote_spawner, started_worker

    async with trio.open_nursery() as nursery:
        spawner = await _zygote_spawner(nursery)
        try:
            times: dict[str, float] = {}
            async with started_worker(spawner, 1, times, source, "=chain") as channel:
                t0 = times["load_sent"]
                with trio.fail_after(300):
                    while True:
                        message = await channel.expect(Log)
                        assert isinstance(message, Log)
                        if CHAIN_LINE.search(message.text):
                            break
                wall = time.perf_counter() - t0
                parsed = _parse_chain(message.text)
        finally:
            await spawner.aclose()
            nursery.cancel_scope.cancel()
    assert parsed is not None
    count, cpu = parsed
    return {"wall": wall, "count": count, "lua_rate": count / cpu, "wall_rate": count / wall}


def run(report: Report, empty_runs: int = 20, chain_runs: int = 5, with_plua: bool = True) -> None:
    empty = str(LUA_DIR / "empty.lua")
    chain = str(LUA_DIR / "chain.lua")
    data: dict[str, Any] = {"plua_version": plua_version()}
    plua2 = plua2_bin()
    plua = plua_bin()
    subjects: dict[str, dict[str, list[str]]] = {
        "plua2": {"empty": [*plua2, "run", empty], "chain": [*plua2, "run", chain]},
    }
    if with_plua and plua is not None:
        subjects["plua"] = {
            "empty": [str(plua), "--nogreet", "--no-api", empty],
            "chain": [str(plua), "--nogreet", "--no-api", chain],
        }
    elif with_plua:
        report.add("scripts", "plua", "error", "not installed: run bench/setup_competitors.sh")

    for kind, runs in (("empty", empty_runs), ("chain", chain_runs)):
        series = {name: Series(cmds[kind]) for name, cmds in subjects.items()}
        if kind == "empty" and "plua" in subjects and plua is not None:
            port = free_port()  # plua kills whatever holds its API port: give it a free one
            series["plua_api"] = Series(
                [str(plua), "--nogreet", "--api-host", "127.0.0.1", "--api-port", str(port), empty]
            )
        for name, result in run_interleaved(series, runs, f"{kind} x{runs}").items():
            if name == "plua_api":
                data["plua"]["empty_api"] = result
            else:
                data.setdefault(name, {})[kind] = result

    try:
        data["plua2"]["worker_direct"] = trio.run(_worker_direct_chain, Path(chain).read_text())
    except Exception as exc:
        data["plua2"]["worker_direct"] = {"error": repr(exc)}

    rates: dict[str, float] = {}
    for name in subjects:
        d = data[name]
        e, c = d["empty"], d["chain"]
        if e["failed"] or not e["wall"].get("n"):
            report.add(
                "empty script", name, "wall p50", "failed", "", (e["failures"] or ["?"])[0][:120]
            )
        else:
            w = e["wall"]
            report.add(
                "empty script",
                name,
                "wall p50 / p90",
                f"{w['p50'] * 1000:.0f} ms / {w['p90'] * 1000:.0f} ms",
                "",
                f"n={w['n']}; {' '.join(Path(x).name for x in e['cmd'])}",
            )
        if c["failed"] or not c["wall"].get("n"):
            report.add(
                "100k chained timers", name, "wall", "failed", "", (c["failures"] or ["?"])[0][:120]
            )
            continue
        w = c["wall"]
        lua = c["lua_rate"].get("p50", float("nan"))
        line = c["line_rate"].get("p50", float("nan"))
        rates[name] = line
        report.add(
            "100k chained timers",
            name,
            "command wall p50; rate: wall (start->end line) p50, os.clock p50",
            f"{w['p50']:.2f} s; {line:,.0f}/s, {lua:,.0f}/s",
            ">= 3x plua" if name == "plua2" else "",
            f"n={w['n']}",
        )
    if "plua" in data and "empty_api" in data["plua"]:
        w = data["plua"]["empty_api"]["wall"]
        if w.get("n"):
            report.add(
                "empty script",
                "plua (API on)",
                "wall p50 / p90",
                f"{w['p50'] * 1000:.0f} ms / {w['p90'] * 1000:.0f} ms",
                "",
                f"n={w['n']}; plua default: REST API process started",
            )
    direct = data["plua2"].get("worker_direct", {})
    if "lua_rate" in direct:
        report.add(
            "100k chained timers",
            "plua2 worker direct",
            "Load->line; rate (os.clock); rate (wall)",
            f"{direct['wall']:.2f} s; {direct['lua_rate']:,.0f}/s; {direct['wall_rate']:,.0f}/s",
            "",
            "zygote worker over the wire, no `plua2 run`",
        )
    if "plua2" in rates and "plua" in rates and rates["plua"] > 0:
        ratio = rates["plua2"] / rates["plua"]
        data["chain_ratio"] = ratio
        report.add(
            "100k chained timers", "plua2 / plua", "rate ratio (wall)", f"{ratio:.1f}x", ">= 3x"
        )
        if data["plua"]["chain"]["lua_rate"].get("p50"):
            cpu_ratio = (
                data["plua2"]["chain"]["lua_rate"]["p50"] / data["plua"]["chain"]["lua_rate"]["p50"]
            )
            data["chain_ratio_cpu"] = cpu_ratio
            report.add(
                "100k chained timers",
                "plua2 / plua",
                "rate ratio (os.clock)",
                f"{cpu_ratio:.1f}x",
                "",
            )
    report.data["scripts"] = data


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scripts", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--empty-runs", type=int, default=20)
    parser.add_argument("--chain-runs", type=int, default=5)
    parser.add_argument("--no-plua", action="store_true", help="plua2 only")
    args = parser.parse_args()
    report = Report("scripts")
    run(report, args.empty_runs, args.chain_runs, not args.no_plua)
    finish(report)


if __name__ == "__main__":
    main()
