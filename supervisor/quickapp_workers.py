"""The QuickApps of a home, each in its own supervised worker: the bridge between both worlds.

Theory of operation
-------------------
One `QuickAppWorkers` per `plua2 up`. It sits between the home model (`Home`, `Api`) and the
`WorkerTable`, and plays four roles:

- **WorkerListener** (worker -> supervisor). `api` Requests (`[method, path, body]`) are answered
  with `[status, data]` from the in-process REST API: HC3-level refusals are a status and an HC3
  error body, never an exception. Log lines go to the console (`print` as debug with tag
  `QUICKAPP<id>`); stderr lines to the console as errors and to the supervisor's log; Lua errors to
  the console with their traceback. An error in `init` (the main chunk / onInit) marks the
  QuickApp crashed and publishes `PluginProcessCrashedEvent{deviceId, error}`, and the worker keeps
  running (no restart loop). A `load` error (the code does not compile) does the same and stops the
  worker: restarting the same code would fail the same way; changing the files starts it again.
  A worker whose *process* dies goes through its RestartPolicy (backoff, FATAL after a crash loop).
- **ActionSink** (`home.action_sink`): actions and UI events for a QuickApp's devices (itself or a
  child) become notifications to the worker of `home.quickapp_of(device_id)`: `action
  [deviceId, actionName, args]` and `uiEvent [event]`. Calls for one QuickApp keep their order: a
  call goes straight to the worker only when nothing is queued before it. While the worker is not
  RUNNING (starting, restarting, backing off) calls wait in a bounded inbox (`INBOX_LIMIT`) and are
  delivered, in order, as soon as it is RUNNING again; a call that finds the inbox full, or a
  QuickApp that is stopped or FATAL (it will not come back by itself), is dropped with a warning
  line on the console.
- **WorkerControl** (`api.workers`): `/plua/workers` and `/api/plugins/restart`; unknown ids are
  `KeyError` (404). `infos()` adds `crashed` (an error in onInit/load since the last start).
- **Model watcher**: a refreshStates listener turns `DeviceCreatedEvent` of a QuickApp device into
  a new worker (`POST /api/quickApp`, `/api/quickApp/import`), `QuickAppFilesChangedEvent` into a
  restart of that worker only, and `DeviceRemovedEvent` into removing its worker. Changes are
  applied in order by one task.

Before each start of a worker its spec is rebuilt from the home (quickapp_spec.py), so a restart
runs the current files and properties.
"""

from __future__ import annotations

import copy
import logging
import math
from collections import deque
from collections.abc import Mapping
from typing import Any

import trio

from ..fibaro_api.api import Api
from ..fibaro_api.home import Home
from ..shared.messages import Error, Log, Request
from ..webui import live
from .errors import WorkerError
from .policy import RESTING_STATES, WorkerState
from .quickapp_spec import QuickAppLimits, quickapp_spec
from .workers import WorkerTable

__all__ = ["INBOX_LIMIT", "QuickAppWorkers"]

log = logging.getLogger("plua2.quickapps")

#: calls waiting for one QuickApp that is not running (more are dropped with a warning)
INBOX_LIMIT = 500
_HTTP_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


class QuickAppWorkers:
    """See the module docstring. `attach(table, nursery)` before use."""

    def __init__(self, home: Home, api: Api, limits: QuickAppLimits | None = None) -> None:
        self.home = home
        self.api = api
        self.limits = limits or QuickAppLimits()
        self._table: WorkerTable | None = None
        self._nursery: trio.Nursery | None = None
        self._inboxes: dict[int, deque[tuple[str, list[Any]]]] = {}
        self._crashed: dict[int, str] = {}
        self._flushing: set[int] = set()
        #: the files each worker's current spec was built from (a files event with the same
        #: files, such as the one that follows a QuickApp's creation, restarts nothing)
        self._files_run: dict[int, list[dict[str, Any]]] = {}
        self._changes_in, self._changes = trio.open_memory_channel[tuple[str, int]](math.inf)
        #: set when every worker added by `start_all` has run its main chunk (said ready) once
        self.all_ready = trio.Event()
        self._waiting_ready: set[int] = set()

    # --- set-up --------------------------------------------------------------------------------

    def attach(self, table: WorkerTable, nursery: trio.Nursery) -> None:
        """Work over `table`; background tasks (model changes, inbox retries) run in `nursery`."""
        self._table = table
        self._nursery = nursery
        self.home.action_sink = self
        self.api.workers = self
        self.home.refresh.add_listener(self._on_model_event)
        nursery.start_soon(self._apply_model_changes)

    @property
    def table(self) -> WorkerTable:
        assert self._table is not None, "QuickAppWorkers.attach() first"
        return self._table

    def start_all(self, device_ids: list[int]) -> list[str]:
        """Start a worker for each QuickApp; problem lines for those that cannot start."""
        problems = []
        self._waiting_ready = set()
        for device_id in device_ids:
            try:
                self._add(device_id)
                self._waiting_ready.add(device_id)
            except Exception as error:  # no main file, or options the wire cannot carry
                problems.append(f"QuickApp {device_id} does not run: {error}")
        if not self._waiting_ready:
            self.all_ready.set()
        return problems

    def ensure_running(self, device_id: int) -> None:
        """Run this QuickApp (`plua2 up --watch`: its file is back): add its worker if it has none,
        start it if it is stopped or FATAL; a live worker is left alone."""
        if device_id not in self.table:
            self._add(device_id)
        elif self.table.get(device_id).state in RESTING_STATES:
            self.table.start(device_id)

    def _add(self, device_id: int) -> None:
        if device_id not in self.table:
            spec = quickapp_spec(self.home, device_id, self.limits)
            self._files_run[device_id] = copy.deepcopy(self.home.quickapp_files.get(device_id))
            self.table.add(spec)

    # --- WorkerListener ------------------------------------------------------------------------

    def on_log(self, worker_id: int, message: Log) -> None:
        tag = message.tag or f"QUICKAPP{worker_id}"
        level = "debug" if message.level == "print" else message.level
        self.home.console.add(worker_id, level, tag, message.text)

    def on_stderr(self, worker_id: int, line: str) -> None:
        self.home.console.add(worker_id, "error", f"QUICKAPP{worker_id}", line)
        log.warning("QuickApp %s (stderr): %s", worker_id, line)

    def on_error(self, worker_id: int, error: Error) -> None:
        text = error.message
        if error.traceback:
            tb = error.traceback
            text = tb if tb.startswith(text) else f"{text}\n{tb}"
        self.home.console.add(worker_id, "error", f"QUICKAPP{worker_id}", text)
        if error.where not in ("init", "load"):
            return
        self._crashed[worker_id] = error.message
        self.home.refresh.publish(
            "PluginProcessCrashedEvent", {"deviceId": worker_id, "error": error.message}
        )
        log.warning("QuickApp %s crashed in %s: %s", worker_id, error.where, error.message)
        if error.where == "load" and worker_id in self.table:
            self.table.stop(worker_id)  # the same code would fail the same way

    def on_state(
        self, worker_id: int, old: WorkerState, new: WorkerState, info: Mapping[str, Any]
    ) -> None:
        live.publish("worker", {"id": worker_id, "state": new.value, **info,
                                "uptime": 0.0 if new is WorkerState.RUNNING else None})  # fmt: skip
        if new is WorkerState.STARTING:
            self._crashed.pop(worker_id, None)
            self._refresh_spec(worker_id)
        elif new is WorkerState.RUNNING:
            if worker_id in self._waiting_ready:
                self._waiting_ready.discard(worker_id)
                if not self._waiting_ready:
                    self.all_ready.set()
            self._flush(worker_id)
        elif new in RESTING_STATES:
            self._waiting_ready.discard(worker_id)
            if not self._waiting_ready:
                self.all_ready.set()
            dropped = len(self._inboxes.pop(worker_id, ()))
            if dropped:
                self._warn(worker_id, f"QuickApp {new.value}: {dropped} queued call(s) dropped")
        if new is WorkerState.FATAL:
            self._warn(worker_id, f"QuickApp keeps crashing ({info.get('reason')}); "
                                  "it stays stopped until started again")  # fmt: skip
            log.error("QuickApp %s is FATAL: %s", worker_id, info.get("reason"))
        elif new in (WorkerState.CRASHED, WorkerState.HUNG):
            self._warn(worker_id, f"QuickApp worker {new.value}: {info.get('reason')}")
            log.warning("QuickApp %s %s: %s", worker_id, new.value, info.get("reason"))

    def _refresh_spec(self, worker_id: int) -> None:
        """Run the current files and properties (WorkerTask reads `spec` when it sends Load)."""
        if worker_id not in self.table or worker_id not in self.home.devices:
            return
        try:
            self.table.get(worker_id).spec = quickapp_spec(self.home, worker_id, self.limits)
            self._files_run[worker_id] = copy.deepcopy(self.home.quickapp_files.get(worker_id))
        except Exception as error:  # keep the previous spec: the worker still starts
            log.warning("QuickApp %s: cannot rebuild its spec: %s", worker_id, error)

    async def on_request(self, worker_id: int, request: Request) -> Any:
        if request.method != "api":
            raise LookupError(f"unknown method {request.method!r}")
        params = request.params
        if not 2 <= len(params) <= 3 or not all(isinstance(p, str) for p in params[:2]):
            raise ValueError("api expects [method, path, body]")
        method, path = params[0].upper(), params[1]
        if method not in _HTTP_METHODS:
            raise ValueError(f"api: unknown HTTP method {params[0]!r}")
        body = params[2] if len(params) == 3 else None
        if path.startswith("/api/") or path == "/api":
            path = path[4:]
        path = "/api" + (path if path.startswith("/") else "/" + path)
        status, data = await self.api.call(method, path, None, body)
        return [status, data]

    # --- ActionSink ----------------------------------------------------------------------------

    def deliver_action(self, device_id: int, action_name: str, args: list[Any]) -> None:
        self._deliver(device_id, "action", [device_id, action_name, list(args)])

    def deliver_ui_event(self, device_id: int, event: dict[str, Any]) -> None:
        self._deliver(device_id, "uiEvent", [dict(event)])

    def _deliver(self, device_id: int, method: str, params: list[Any]) -> None:
        target = self.home.quickapp_of(device_id) or device_id
        if self._table is None or target not in self._table:
            self._warn(target, f"no worker runs QuickApp {target}: {method} dropped")
            return
        task = self._table.get(target)
        inbox = self._inboxes.setdefault(target, deque())
        if not inbox and task.state is WorkerState.RUNNING and self._send(target, method, params):
            return
        if task.state in RESTING_STATES:
            self._warn(target, f"QuickApp is {task.state.value}: {method} dropped")
            return
        if len(inbox) >= INBOX_LIMIT:
            self._warn(target, f"QuickApp {target} is not keeping up: {method} dropped")
            return
        inbox.append((method, params))
        if task.state is WorkerState.RUNNING:
            self._retry_later(target)

    def _send(self, target: int, method: str, params: list[Any]) -> bool:
        try:
            self.table.get(target).notify(method, params)
        except WorkerError:
            return False
        return True

    def _flush(self, target: int) -> None:
        inbox = self._inboxes.get(target)
        while inbox:
            method, params = inbox[0]
            if not self._send(target, method, params):
                self._retry_later(target)
                return
            inbox.popleft()

    def _retry_later(self, target: int) -> None:
        if target in self._flushing or self._nursery is None:
            return
        self._flushing.add(target)

        async def retry() -> None:
            try:
                await trio.sleep(0.02)
            finally:
                self._flushing.discard(target)
            if target in self.table and self.table.get(target).state is WorkerState.RUNNING:
                self._flush(target)

        self._nursery.start_soon(retry)

    def _warn(self, device_id: int, text: str) -> None:
        self.home.console.add(device_id, "warning", "plua2", text)

    # --- WorkerControl -------------------------------------------------------------------------

    def infos(self) -> list[dict[str, Any]]:
        infos = self.table.infos()
        for info in infos:
            info["crashed"] = info["id"] in self._crashed
        return infos

    async def start(self, worker_id: int) -> None:
        self.table.start(worker_id)

    async def stop(self, worker_id: int) -> None:
        self.table.stop(worker_id)

    async def restart(self, worker_id: int) -> None:
        self.table.restart(worker_id)

    # --- the model watcher ---------------------------------------------------------------------

    def _on_model_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind in ("DeviceCreatedEvent", "QuickAppFilesChangedEvent", "DeviceRemovedEvent"):
            device_id = event.get("data", {}).get("id")
            if isinstance(device_id, int):
                self._changes_in.send_nowait((kind, device_id))

    async def _apply_model_changes(self) -> None:
        async for kind, device_id in self._changes:
            try:
                await self._apply_model_change(kind, device_id)
            except Exception:
                log.exception("QuickApp %s: cannot apply %s", device_id, kind)

    async def _apply_model_change(self, kind: str, device_id: int) -> None:
        table = self.table
        device = self.home.devices.find(device_id)
        if kind == "DeviceRemovedEvent" or device is None:
            if device_id in table and device is None:
                self._inboxes.pop(device_id, None)
                self._crashed.pop(device_id, None)
                self._files_run.pop(device_id, None)
                await table.remove(device_id, timeout=2.0)
            return
        if "quickApp" not in device.interfaces:
            return
        if device_id not in table:
            self._add(device_id)
        elif kind == "QuickAppFilesChangedEvent":
            if self._files_run.get(device_id) == self.home.quickapp_files.get(device_id):
                return
            task = table.get(device_id)
            if task.state in RESTING_STATES:
                table.start(device_id)
            else:
                table.restart(device_id)
