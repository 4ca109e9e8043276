"""What went wrong with the QuickApps during one `plua2 up` run: the exit status of `--run-for`.

Theory of operation
-------------------
`RunReport` is pure bookkeeping (no I/O, no trio). `plua2 up` makes one per run and
`up_quickapps.run_quickapps` feeds it: the folder's problem lines (a file that does not load) and,
through `RunReport.listener(inner)`, every worker event, which it passes on to `inner` (the
`QuickAppWorkers`) unchanged.

A *failure* (exit status 1 with `--run-for`) is anything that stops a QuickApp from doing its job:

- a QuickApp file that does not install (bad header value, unreadable .fqa, id clash, no main file);
- an error while loading its code (syntax) or in its main chunk / `onInit` (`Error` where `load`
  or `init`), as the device is then marked crashed;
- its worker process crashing, hanging (missed heartbeats) or going FATAL.

An error inside a later callback (a timer, an action, a UI event, a net callback) is *not* a
failure: on an HC3 it is logged and the QuickApp goes on, and so does plua2. Those are counted in
`callback_errors` and shown in the summary line, so a CI log still shows them.

Once `close()` is called (the run is stopping), worker events are no longer failures: stopping
every worker is not a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..shared.messages import Error, Log, Request
from .policy import WorkerState
from .worker_spec import WorkerListener

__all__ = ["FAILING_STATES", "RunReport"]

#: worker states that count as a failure of the run
FAILING_STATES = frozenset({WorkerState.CRASHED, WorkerState.HUNG, WorkerState.FATAL})


class RunReport:
    """See the module docstring."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self.callback_errors = 0
        self.closed = False

    @property
    def failed(self) -> bool:
        return bool(self.failures)

    def close(self) -> None:
        self.closed = True

    def problem(self, line: str) -> None:
        """A QuickApp of the folder that does not run (one line, `file:line: what` where known)."""
        self._fail(line)

    def error(self, worker_id: int, where: str, message: str) -> None:
        if where == "load":
            self._fail(f"QuickApp {worker_id} does not load: {message}")
        elif where == "init":
            self._fail(f"QuickApp {worker_id} crashed in onInit: {message}")
        else:
            self.callback_errors += 1

    def state(self, worker_id: int, new: WorkerState, reason: Any) -> None:
        if new in FAILING_STATES and not self.closed:
            self._fail(f"QuickApp {worker_id} {new.value}: {reason}")

    def summary(self) -> str:
        errors = f"{self.callback_errors} callback error(s)"
        if not self.failures:
            return f"run ended: no QuickApp failed ({errors})"
        return f"run ended: {len(self.failures)} QuickApp failure(s) ({errors})"

    def listener(self, inner: WorkerListener) -> WorkerListener:
        """A listener that tells this report, then `inner`, of every worker event."""
        return _ReportingListener(self, inner)

    def _fail(self, line: str) -> None:
        if not self.failures or self.failures[-1] != line:
            self.failures.append(line)


class _ReportingListener:
    def __init__(self, report: RunReport, inner: WorkerListener) -> None:
        self.report = report
        self.inner = inner

    def on_log(self, worker_id: int, log: Log) -> None:
        self.inner.on_log(worker_id, log)

    def on_stderr(self, worker_id: int, line: str) -> None:
        self.inner.on_stderr(worker_id, line)

    def on_error(self, worker_id: int, error: Error) -> None:
        self.report.error(worker_id, error.where, error.message)
        self.inner.on_error(worker_id, error)

    def on_state(
        self, worker_id: int, old: WorkerState, new: WorkerState, info: Mapping[str, Any]
    ) -> None:
        self.report.state(worker_id, new, info.get("reason"))
        self.inner.on_state(worker_id, old, new, info)

    async def on_request(self, worker_id: int, request: Request) -> Any:
        return await self.inner.on_request(worker_id, request)
