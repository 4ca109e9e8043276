"""`plua2 repl` and `plua2 run -i FILE`: a Lua prompt on a live, supervised worker.

Theory of operation
-------------------
One script worker runs in a worker table, as for `plua2 run`, but it does not end when it is idle:
its timers and sockets keep running between lines. `repl` starts it with an empty script; `run -i`
with the file, and prompts once the file has run (the worker said `ready`).

Each line is sent as an `eval` request (worker/requests.py): the worker tries `return <line>` and
then `<line>`, runs it as one callback between its timers (so the line's budget applies), and
answers the values, which are printed the way Lua would (webui/lua_text.py). A line that is not
complete yet (the error ends in `<eof>`, as in Lua's own REPL) is continued on a `>>` prompt.
Script output (`print`, errors in timers) goes to stdout and stderr as in `plua2 run`; results go to
stdout, prompts and errors of the line to stderr, so a piped stdout holds only what the code said.

The prompt ends on end of input (Ctrl-D) or when the worker goes away (`os.exit()`); Ctrl-C ends it
too. Exit status: 0, or 2 when the file is missing or does not compile.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

import trio

from ..webui.lua_text import format_values
from .errors import RequestFailed, RequestTimeout, WorkerError
from .policy import RESTING_STATES, RestartPolicy, RestartType, WorkerState
from .run_command import EXIT_OK, EXIT_USAGE, ScriptConsole
from .spawn_exec import ExecSpawner
from .worker_task import WorkerSpec, WorkerTask
from .workers import open_worker_table

__all__ = ["add_arguments", "interact", "main", "run_file_interactive", "run_interactive"]

PROMPT, MORE = "> ", ">> "
#: the longest one line may take (its callback budget stops a runaway loop first)
LINE_TIMEOUT = 60.0
START_TIMEOUT = 20.0
BANNER = "plua2 repl: Lua 5.3 in a worker; timers keep running between lines. Ctrl-D to quit."

ReadLine = Callable[[str], Awaitable[str | None]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--budget",
        type=float,
        default=3.0,
        metavar="SECONDS",
        help="longest a single line or callback may run before it is stopped (default 3)",
    )


def _stdin_reader(stdin: TextIO, err: TextIO) -> ReadLine:
    """Lines from stdin, read in a thread; `input()` (with line editing) when it is a terminal."""
    interactive = stdin.isatty()
    if interactive:
        try:
            import readline  # noqa: F401 - line editing and history for input()
        except ImportError:
            pass

    def read(prompt: str) -> str | None:
        if interactive:
            try:
                return input(prompt)
            except EOFError:
                return None
        err.write(prompt)
        err.flush()
        line = stdin.readline()
        return line.rstrip("\n") if line else None

    async def read_line(prompt: str) -> str | None:
        return await trio.to_thread.run_sync(read, prompt, abandon_on_cancel=True)

    return read_line


def _incomplete(reason: str) -> bool:
    return reason.rstrip().endswith("<eof>")


async def interact(task: WorkerTask, read_line: ReadLine, out: TextIO, err: TextIO) -> None:
    """Prompt, run, print, until end of input or until the worker is gone."""
    pending = ""
    while True:
        line = await read_line(MORE if pending else PROMPT)
        if line is None:
            if pending:
                print(file=err)
            return
        code = f"{pending}\n{line}" if pending else line
        if not code.strip():
            continue
        if task.state is not WorkerState.RUNNING:
            print(f"plua2: the worker is {task.state.value}", file=err, flush=True)
            return
        try:
            values = await task.request("eval", [code], LINE_TIMEOUT)
        except RequestFailed as error:
            if _incomplete(error.reason):
                pending = code
                continue
            pending = ""
            print(error.reason, file=err, flush=True)
            continue
        except RequestTimeout as error:
            pending = ""
            print(f"plua2: {error}", file=err, flush=True)
            continue
        except WorkerError:  # gone (os.exit, a crash): a temporary worker does not come back
            print("plua2: the worker has ended", file=err, flush=True)
            return
        pending = ""
        text = format_values(values if isinstance(values, list) else [values])
        if text:
            print(text, file=out, flush=True)


async def run_interactive(
    source: str | bytes,
    chunkname: str,
    *,
    budget: float = 3.0,
    argv: list[str] | None = None,
    read_line: ReadLine | None = None,
    console: ScriptConsole | None = None,
    banner: str | None = None,
) -> int:
    """Run `source` in a worker that stays alive, then prompt; the exit status."""
    console = console or ScriptConsole()
    out, err = console.out, console.err
    read_line = read_line or _stdin_reader(sys.stdin, err)
    spec = WorkerSpec(
        id=1,
        name=chunkname.lstrip("@="),
        source=source,
        chunkname=chunkname,
        options={"budget": budget, "argv": list(argv or [])},
        policy=RestartPolicy(restart=RestartType.TEMPORARY),
    )
    async with open_worker_table(ExecSpawner(), console) as table:
        task = table.add(spec)
        wanted = {WorkerState.RUNNING, *RESTING_STATES}
        try:
            state = await task.wait_state(wanted, START_TIMEOUT)
        except WorkerError as error:
            print(f"plua2: {error}", file=err, flush=True)
            return EXIT_USAGE
        if console.load_failed:
            return EXIT_USAGE
        if state is not WorkerState.RUNNING:
            print(f"plua2: the worker is {state.value}", file=err, flush=True)
            return EXIT_OK
        if banner:
            print(banner, file=err, flush=True)
        await interact(task, read_line, out, err)
    return EXIT_OK


def main(args: argparse.Namespace) -> int:
    if not args.budget > 0:
        print("plua2 repl: --budget must be a positive number of seconds", file=sys.stderr)
        return EXIT_USAGE
    banner = BANNER if sys.stdin.isatty() else None
    return _run(lambda: run_interactive(b"", "=repl", budget=args.budget, banner=banner))


def _run(entry: Callable[[], Awaitable[int]]) -> int:
    try:
        return trio.run(entry)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return EXIT_OK


def run_file_interactive(
    source: str | bytes, chunkname: str, budget: float, argv: list[str] | None
) -> int:
    """`plua2 run -i`: the file runs, then the prompt."""
    return _run(lambda: run_interactive(source, chunkname, budget=budget, argv=argv))
