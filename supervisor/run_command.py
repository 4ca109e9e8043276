"""`plua2 run FILE | -e CODE [--run-for S]`: one plain Lua script in one supervised worker.

The script gets the standard libraries of a desktop Lua (it is the user's own script) but never
lupa's Python bridge. `print` goes to stdout; errors go to stderr with a Lua traceback and the
script keeps running, as on an HC3. The run ends when nothing is pending (no timers), or after
`--run-for` seconds, or on Ctrl-C.

`--speed N`, `--instant` and `--start "YYYY-MM-DD HH:MM"` (or PLUA2_SPEED / PLUA2_INSTANT /
PLUA2_START) run the script on an emulated clock, the same as `plua2 up`'s (hc3_clock.py):
`--run-for` stays real seconds.

Exit status: 0 when no uncaught Lua error happened, 1 otherwise, 2 for a missing file or a syntax
error (one line on stderr).
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
from pathlib import Path
from typing import Any

import trio

from ..shared.messages import Error, Log, Request
from .hc3_clock import ClockSettings, HC3Clock
from .policy import RESTING_STATES, RestartPolicy, RestartType, WorkerState
from .spawn_exec import ExecSpawner
from .worker_task import WorkerSpec
from .workers import open_worker_table

__all__ = ["add_arguments", "main", "run_script"]

EXIT_OK, EXIT_LUA_ERROR, EXIT_USAGE = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", help="the Lua script to run")
    parser.add_argument(
        "-e", dest="code", metavar="CODE", help="run this Lua code instead of a file"
    )
    parser.add_argument(
        "--run-for", type=float, metavar="SECONDS", help="stop after this many seconds"
    )
    parser.add_argument(
        "-i", dest="interactive", action="store_true", help="a Lua prompt after the script has run"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=3.0,
        metavar="SECONDS",
        help="longest a single callback may run before it is stopped (default 3)",
    )
    add_clock_arguments(parser)
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the script (arg)")


def add_clock_arguments(parser: argparse.ArgumentParser) -> None:
    """--speed, --instant, --start: shared by `plua2 run` and `plua2 up`."""
    parser.add_argument("--speed", type=float, default=None, metavar="N",
                        help="emulated time runs N times faster (env PLUA2_SPEED)")  # fmt: skip
    parser.add_argument("--instant", action="store_true",
                        help="when every worker is idle, jump to the next timer (env PLUA2_INSTANT)")  # fmt: skip
    parser.add_argument("--start", default=None, metavar="'YYYY-MM-DD HH:MM'",
                        help="the emulated wall clock starts there (env PLUA2_START)")  # fmt: skip


def clock_settings(args: argparse.Namespace) -> ClockSettings:
    """The clock options of a parsed command line (then the environment); ValueError."""
    return ClockSettings.from_args(
        getattr(args, "speed", None),
        bool(getattr(args, "instant", False)),
        getattr(args, "start", None),
        dict(os.environ),
    )


class ScriptConsole:
    """The run's listener: worker output to our stdout and stderr, and the error count."""

    def __init__(self, out: Any = None, err: Any = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.errors = 0
        self.load_failed = False

    def on_log(self, worker_id: int, log: Log) -> None:
        text = log.text if log.level == "print" else f"[{log.level.upper()}] {log.text}"
        print(text, file=self.err if log.level == "error" else self.out, flush=True)

    def on_stderr(self, worker_id: int, line: str) -> None:
        print(line, file=self.err, flush=True)

    def on_error(self, worker_id: int, error: Error) -> None:
        self.errors += 1
        if error.where == "load":
            self.load_failed = True
            print(f"plua2: {error.message}", file=self.err, flush=True)
            return
        text = error.message
        if error.traceback:
            tb = error.traceback
            text = tb if tb.startswith(text) else f"{text}\n{tb}"
        print(f"Error: {text}", file=self.err, flush=True)

    def on_state(self, worker_id: int, old: WorkerState, new: WorkerState, info: Any) -> None:
        pass

    async def on_request(self, worker_id: int, request: Request) -> Any:
        raise LookupError(f"unknown method {request.method}")


async def run_script(
    source: str | bytes,
    chunkname: str,
    *,
    run_for: float | None = None,
    budget: float = 3.0,
    argv: list[str] | None = None,
    console: ScriptConsole | None = None,
    clock: ClockSettings | None = None,
) -> int:
    """Run one script to its end in a supervised worker; the exit status."""
    console = console or ScriptConsole()
    spec = WorkerSpec(
        id=1,
        name=chunkname.lstrip("@="),
        source=source,
        chunkname=chunkname,
        options={"exit_when_idle": True, "budget": budget, "argv": list(argv or [])},
        policy=RestartPolicy(restart=RestartType.TEMPORARY),
    )
    interrupted = trio.Event()
    info: dict[str, Any] = {}
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:

            async def stop_on_signal() -> None:
                async for _ in signals:
                    interrupted.set()
                    nursery.cancel_scope.cancel()

            nursery.start_soon(stop_on_signal)
            hc3_clock = None if clock is None or clock.real else HC3Clock(clock)
            async with open_worker_table(ExecSpawner(), console, clock=hc3_clock) as table:
                deadline = math.inf if run_for is None else trio.current_time() + run_for
                with trio.move_on_at(deadline):
                    # a script that ends on its own goes RUNNING -> STOPPED; a crash also rests
                    table.add(spec)
                    await table.wait_state(spec.id, RESTING_STATES, math.inf)
                info = table.info(spec.id)
            nursery.cancel_scope.cancel()
    if console.load_failed:
        return EXIT_USAGE
    if interrupted.is_set():  # Ctrl-C or SIGTERM: the worker was stopped by the table's exit
        return EXIT_LUA_ERROR if console.errors else EXIT_OK
    exit_status = info.get("last_exit")
    crashed = isinstance(exit_status, int) and exit_status not in (0, None) and run_for is None
    return EXIT_LUA_ERROR if console.errors or crashed else EXIT_OK


def main(args: argparse.Namespace) -> int:
    if args.code is not None:
        source: str | bytes = args.code
        chunkname = "=(command line)"
        script_args = ([args.file] if args.file else []) + list(args.args)
    elif args.file:
        path = Path(args.file)
        try:
            source = path.read_bytes()
        except OSError as exc:
            print(f"plua2: cannot open {args.file}: {exc.strerror}", file=sys.stderr)
            return EXIT_USAGE
        chunkname = "@" + args.file
        script_args = list(args.args)
    else:
        print("plua2 run: give a FILE or -e CODE", file=sys.stderr)
        return EXIT_USAGE
    if args.run_for is not None and not args.run_for >= 0:
        print("plua2 run: --run-for must be a number of seconds >= 0", file=sys.stderr)
        return EXIT_USAGE
    try:
        clock = clock_settings(args)
    except ValueError as exc:
        print(f"plua2 run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if getattr(args, "interactive", False):
        from .repl_command import run_file_interactive

        return run_file_interactive(source, chunkname, args.budget, script_args)
    return trio.run(
        lambda: run_script(
            source,
            chunkname,
            run_for=args.run_for,
            budget=args.budget,
            argv=script_args,
            clock=clock,
        )
    )
