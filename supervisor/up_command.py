"""`plua2 up DIR`: a whole emulated HC3 for a project folder.

Theory of operation
-------------------
`main(args)` checks everything that can be wrong before serving, each as ONE clear line on stderr
and exit status 2: the folder must exist, `plua2.toml` (optional) must be valid, and the state file
(`<state dir>/plua2.db`, default `DIR/.plua2/`) must be usable (a corrupt or newer-schema file is
refused and left untouched). Then one trio nursery runs:

- hypercorn's trio server with the quart-trio app (`fibaro_api.app`), bound to `--host`/`--port`
  (port 0 picks a free one); when bound, one line is printed: `plua2 up: serving http://HOST:PORT/`;
- a signal watcher: SIGTERM or SIGINT -> shutdown; `--run-for SECONDS` -> shutdown after that time;
- the QuickApps of the folder, each in its own supervised worker (up_quickapps.py): installed in
  the home model after the server is bound, their workers started in the background.

Shutdown: long polls on refreshStates are woken at once (`RefreshStates.close`), hypercorn gets
1 s of grace for requests in flight while every worker is stopped in parallel (bounded), then the
fork server; the store is closed last. The whole stop takes well under 3 s.
Every option also reads an environment variable (PLUA2_HOST, PLUA2_PORT, PLUA2_STATE_DIR,
PLUA2_USER, PLUA2_PASSWORD, PLUA2_RUN_FOR, PLUA2_BUDGET, PLUA2_MAX_MEMORY, PLUA2_LOG_FORMAT,
PLUA2_SPEED, PLUA2_INSTANT, PLUA2_START, PLUA2_WATCH); the command line wins. `--speed`,
`--instant` and `--start` set the emulated HC3 clock (hc3_clock.py) that every QuickApp and the API
follow; `--run-for` stays real seconds. `--watch` reloads a QuickApp when its files change
(watch.py).

Exit status: 0 after a stop by signal; 2 for a usage problem (above); with `--run-for`, 1 when a
QuickApp failed during the run (it did not install or load, crashed in onInit, its worker crashed,
hung or went FATAL: run_report.py; errors in later callbacks do not count, as on an HC3 the
QuickApp goes on), with one summary line and one line per failure. `--log-format json` prints
everything as one JSON object a line on stdout (log_format.py).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from functools import partial
from pathlib import Path

import trio
from hypercorn.config import Config
from hypercorn.trio import serve
from plua2.fibaro_api import hc3_time
from plua2.fibaro_api.api import Api
from plua2.fibaro_api.app import BasicAuth, create_app
from plua2.fibaro_api.errors import HC3Error
from plua2.fibaro_api.home import Home
from plua2.fibaro_api.project import PROJECT_FILE, ProjectError, apply_project, load_project
from plua2.fibaro_api.refresh_states import RefreshStates
from plua2.fibaro_api.store import StateFileError, Store, open_store

from .hc3_clock import HC3Clock
from .log_format import ENV_VAR as LOG_FORMAT_ENV
from .log_format import parse_format, printer
from .quickapp_spec import MIB, QuickAppLimits
from .run_command import add_clock_arguments, clock_settings
from .run_report import RunReport
from .up_quickapps import run_quickapps
from .watch import ENV_VAR as WATCH_ENV

__all__ = ["add_arguments", "main"]

SHUTDOWN_GRACE = 1.0


def _env_float(name: str) -> float | None:
    text = os.environ.get(name)
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise SystemExit(f"plua2 up: {name}={text!r} is not a number") from None


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    env = os.environ.get
    parser.add_argument("dir", metavar="DIR", help="the project folder")
    parser.add_argument("--host", default=env("PLUA2_HOST", "127.0.0.1"),
                        help="address to bind (default 127.0.0.1; env PLUA2_HOST)")  # fmt: skip
    parser.add_argument("--port", type=int, default=None,
                        help="port to bind, 0 for any free one (default 8888; env PLUA2_PORT)")  # fmt: skip
    parser.add_argument("--state-dir", default=env("PLUA2_STATE_DIR"),
                        help="state folder (default DIR/.plua2; env PLUA2_STATE_DIR)")  # fmt: skip
    parser.add_argument("--user", default=env("PLUA2_USER", "admin"),
                        help="HTTP Basic user (default admin; env PLUA2_USER)")  # fmt: skip
    parser.add_argument("--password", default=env("PLUA2_PASSWORD", "admin"),
                        help="HTTP Basic password (default admin; env PLUA2_PASSWORD)")  # fmt: skip
    parser.add_argument("--run-for", type=float, default=None, metavar="SECONDS",
                        help="stop after SECONDS (env PLUA2_RUN_FOR)")  # fmt: skip
    parser.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                        help="longest one QuickApp callback may run (default 3; env PLUA2_BUDGET;"
                             " a QuickApp may set its own with --%%budget=S)")  # fmt: skip
    parser.add_argument("--max-memory", type=int, default=None, metavar="MIB",
                        help="Lua memory cap of each QuickApp in MiB (default 64; env "
                             "PLUA2_MAX_MEMORY; a QuickApp may set its own with --%%maxMemory=M)")  # fmt: skip
    parser.add_argument("--log-format", default=None, metavar="FORMAT",
                        help="text (default) or json: one JSON object a line on stdout "
                             "(env PLUA2_LOG_FORMAT)")  # fmt: skip
    add_clock_arguments(parser)
    parser.add_argument("--watch", action="store_true", default=_env_flag(WATCH_ENV),
                        help="restart a QuickApp when its files change; a change that does not "
                             "compile is shown and not run (env PLUA2_WATCH)")  # fmt: skip
    parser.add_argument("--no-console", action="store_true",
                        help="turn off the dashboard's Lua console (it then answers 403)")  # fmt: skip


def _fail(message: str) -> int:
    printer.say(message, level="error")
    return 2


def main(args: argparse.Namespace) -> int:
    try:
        printer.configure(parse_format(args.log_format or os.environ.get(LOG_FORMAT_ENV)))
    except ValueError as error:
        print(f"plua2 up: {error}", file=sys.stderr, flush=True)
        return 2
    try:
        port = args.port if args.port is not None else int(os.environ.get("PLUA2_PORT", "8888"))
        run_for = args.run_for if args.run_for is not None else _env_float("PLUA2_RUN_FOR")
        poll_timeout = _env_float("PLUA2_REFRESH_TIMEOUT") or 30.0
        budget = args.budget if args.budget is not None else _env_float("PLUA2_BUDGET")
        memory = args.max_memory if args.max_memory is not None else _env_float("PLUA2_MAX_MEMORY")
    except (ValueError, SystemExit) as error:
        return _fail(str(error) or "PLUA2_PORT is not a number")
    try:
        clock = HC3Clock(clock_settings(args))
    except ValueError as error:
        return _fail(str(error))
    if budget is not None and not budget > 0:
        return _fail("--budget must be a positive number of seconds")
    if memory is not None and not memory > 0:
        return _fail("--max-memory must be a positive number of MiB")
    limits = QuickAppLimits(
        budget=budget if budget is not None else QuickAppLimits.budget,
        max_memory=int(memory * MIB) if memory is not None else QuickAppLimits.max_memory,
    )
    project = Path(args.dir)
    if not project.is_dir():
        return _fail(f"project folder {project} does not exist")
    try:
        config = load_project(project / PROJECT_FILE)
    except ProjectError as error:
        return _fail(str(error))
    state_dir = Path(args.state_dir) if args.state_dir else project / ".plua2"
    try:
        store = open_store(state_dir)
    except StateFileError as error:
        return _fail(str(error))
    try:
        home = Home(
            store,
            config.home_settings(),
            username=args.user,
            refresh=RefreshStates(poll_timeout=poll_timeout),
        )
        apply_project(home, config)
    except (ProjectError, HC3Error) as error:
        store.close()
        return _fail(f"{project / PROJECT_FILE}: {getattr(error, 'message', error)}")
    api = Api(home)
    api.clock = clock  # type: ignore[attr-defined]  (read by fibaro_api/control.py)
    hc3_time.use(clock.wall)
    printer.install_logging()  # the supervisor's log (worker crashes, stderr lines of QuickApps)
    if printer.json:
        home.console.add_listener(printer.console_line)
    report = RunReport()
    status = 0
    try:
        auth = BasicAuth(args.user, args.password)
        console = not getattr(args, "no_console", False)
        trio.run(
            _serve, api, store, args.host, port, auth, run_for, project, limits, console, report,
            clock, bool(getattr(args, "watch", False)),
        )  # fmt: skip
    except* OSError as group:
        status = _fail(f"cannot serve on {args.host}:{port}: {_leaf(group)}")
    finally:
        hc3_time.use(None)
        store.close()
    if status == 0 and run_for is not None:
        status = _run_status(report)
    return status


def _run_status(report: RunReport) -> int:
    """`--run-for`'s exit status: 1 when a QuickApp failed, with one line per failure."""
    level = "error" if report.failed else "info"
    printer.say(report.summary(), level=level, event="summary", failures=report.failures,
                callbackErrors=report.callback_errors)  # fmt: skip
    for line in report.failures:
        printer.say(f"failed: {line}", level="error")
    return 1 if report.failed else 0


def _leaf(error: BaseException) -> BaseException:
    """The first real exception inside (nested) exception groups."""
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


async def _serve(
    api: Api,
    store: Store,
    host: str,
    port: int,
    auth: BasicAuth,
    run_for: float | None,
    project: Path,
    limits: QuickAppLimits,
    console: bool = True,
    report: RunReport | None = None,
    clock: HC3Clock | None = None,
    watch: bool = False,
) -> None:
    stop = trio.Event()
    config = Config()
    config.bind = [f"{host}:{port}"]
    config.graceful_timeout = SHUTDOWN_GRACE
    config.accesslog = None
    config.errorlog = None
    config.keep_alive_timeout = 75
    app = create_app(api, auth, console=console)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_watch_signals, stop)
        if run_for is not None:
            nursery.start_soon(_stop_after, stop, run_for)
        binds = await nursery.start(_run_server, app, config, stop)
        url = binds[0] if binds else f"http://{host}:{port}"
        printer.say(f"serving {url}/", stdout=True, event="serving", url=url)
        await nursery.start(
            partial(run_quickapps, report=report, clock=clock, watch=watch),
            api,
            project,
            limits,
            stop,
        )
        await stop.wait()
        api.home.refresh.close()
        nursery.cancel_scope.deadline = trio.current_time() + SHUTDOWN_GRACE + 1.0


async def _run_server(
    app: object, config: Config, stop: trio.Event, task_status: trio.TaskStatus[list[str]]
) -> None:
    await serve(app, config, shutdown_trigger=stop.wait, task_status=task_status)  # type: ignore[arg-type]


async def _watch_signals(stop: trio.Event) -> None:
    with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for _ in signals:
            stop.set()
            return


async def _stop_after(stop: trio.Event, seconds: float) -> None:
    await trio.sleep(seconds)
    stop.set()


if __name__ == "__main__":  # `python -m plua2.supervisor.up_command DIR ...` == `plua2 up DIR ...`
    _parser = argparse.ArgumentParser(prog="plua2 up")
    add_arguments(_parser)
    sys.exit(main(_parser.parse_args()))
