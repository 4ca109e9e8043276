"""`plua2 up`'s QuickApps: install the folder's QuickApps, run each in its worker, stop them all.

Theory of operation
-------------------
`run_quickapps` is one task in `plua2 up`'s nursery (started with `nursery.start`):

1. start the fork server (`ZygoteSpawner`; the exec spawner if it cannot start);
2. install the folder's QuickApps in the home (quickapp_folder.py) and print, once, one line per
   problem and per header warning on stderr;
3. open the worker table, attach `QuickAppWorkers` (listener, action sink, worker control, model
   watcher) and add a worker for every QuickApp; report `started` to the caller (the workers
   start in the background: nothing here waits for a worker);
4. when every QuickApp has said `ready` once, print `plua2 up: N QuickApps ready in X s`;
   with `watch` (`plua2 up --watch`), the folder is watched for changes from then on (watch.py);
5. on `stop`: stop every worker in parallel (bounded by `STOP_TIMEOUT`: shutdown, then SIGTERM,
   then SIGKILL), then the fork server, so no process is left behind.

With a `RunReport` (run_report.py), problem lines and every worker event are also told to it (the
exit status of `plua2 up --run-for`). Lines are printed through `log_format.printer`.
"""

from __future__ import annotations

from pathlib import Path

import trio

from ..fibaro_api.api import Api
from .hc3_clock import HC3Clock
from .log_format import printer
from .process import Spawner
from .quickapp_folder import install_folder
from .quickapp_spec import QuickAppLimits
from .quickapp_workers import QuickAppWorkers
from .run_report import RunReport
from .scene_up import run_scenes
from .spawn_exec import ExecSpawner
from .watch import Reporter, WatchContext, watch_folder
from .workers import open_worker_table
from .zygote import ZygoteSpawner

__all__ = ["STOP_TIMEOUT", "run_quickapps"]

#: the bound on stopping every worker at shutdown (plua2 up's whole stop stays under 3 s)
STOP_TIMEOUT = 1.2


def _say(text: str, level: str = "info") -> None:
    printer.say(text, level=level)


async def run_quickapps(
    api: Api,
    folder: Path,
    limits: QuickAppLimits,
    stop: trio.Event,
    *,
    report: RunReport | None = None,
    clock: HC3Clock | None = None,
    watch: bool = False,
    task_status: trio.TaskStatus[QuickAppWorkers] = trio.TASK_STATUS_IGNORED,
) -> None:
    """See the module docstring."""
    started_at = trio.current_time()
    api.ready = False
    async with trio.open_nursery() as nursery:
        spawner: Spawner
        try:
            spawner = await ZygoteSpawner.start(nursery)
        except OSError as error:
            _say(f"fork server unavailable ({error}); starting workers with exec", "warning")
            spawner = ExecSpawner()
        try:
            installed = install_folder(api.home, folder)
            problems = list(installed.problems)
            for line in installed.warnings:
                _say(f"warning: {line}", "warning")
            workers = QuickAppWorkers(api.home, api, limits)
            listener = report.listener(workers) if report is not None else workers
            async with open_worker_table(
                spawner, listener, stop_timeout=STOP_TIMEOUT, clock=clock
            ) as table:
                workers.attach(table, nursery)
                scenes = await nursery.start(
                    run_scenes, api.home, folder, workers, spawner, stop, clock
                )
                problems += workers.start_all(installed.device_ids)
                for line in problems:
                    _say(line, "error")
                    if report is not None:
                        report.problem(line)
                task_status.started(workers)
                nursery.start_soon(
                    _report_ready, api, workers, len(installed.device_ids), started_at
                )
                if watch:
                    context = WatchContext(api.home, workers, folder, Reporter(api.home), scenes)
                    watcher: trio.CancelScope = await nursery.start(watch_folder, context)
                await stop.wait()
                if watch:
                    watcher.cancel()
                if report is not None:
                    report.close()
                await table.stop_all(STOP_TIMEOUT)
        finally:
            with trio.CancelScope(shield=True):
                await spawner.aclose()
            nursery.cancel_scope.cancel()


async def _report_ready(api: Api, workers: QuickAppWorkers, count: int, started_at: float) -> None:
    await workers.all_ready.wait()
    api.ready = True  # /plua/health: every QuickApp has started once (a CI service is usable)
    seconds = trio.current_time() - started_at
    if count or printer.json:  # JSON: always, so a program can wait for this event
        message = f"{count} QuickApp(s) ready in {seconds:.2f} s"
        printer.say(message, stdout=True, event="ready", quickapps=count)
