"""The worker table: every supervised worker of this supervisor, by id.

Theory of operation
-------------------
A `WorkerTable` lives in a nursery of the supervisor (`open_worker_table` makes one and stops every
worker on the way out). Each added worker gets one `WorkerTask` running in that nursery; the table
only routes commands to them and reports on them, so one worker's failure (FATAL included) never
touches another's task, process or state.

- Commands are synchronous and cannot fail because of a worker: `start`, `stop`, `restart` feed the
  worker's state machine, which ignores what makes no sense in its current state.
- `stop_all(timeout)` stops every worker in parallel and is bounded: it sends every `shutdown` at
  once, escalates whoever is still stopping to SIGTERM after a third of the timeout and to SIGKILL
  after two thirds, whatever each worker's own graces say, and returns the ids that still did not
  stop when the timeout ran out.
- `info()` / `infos()` are plain dicts for the API and the dashboard. CPU percent and RSS come from
  psutil, sampled at most once per `SAMPLE_AGE` seconds per process; a vanished pid gives None.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psutil  # type: ignore[import-untyped]
import trio

from .errors import UnknownWorker
from .policy import RESTING_STATES, WorkerState
from .process import Spawner
from .worker_task import WorkerListener, WorkerSpec, WorkerTask

if TYPE_CHECKING:
    from .hc3_clock import HC3Clock

__all__ = ["SAMPLE_AGE", "WorkerTable", "open_worker_table"]

#: how long a psutil sample of one process is reused
SAMPLE_AGE = 1.0


@dataclass(slots=True)
class _Sample:
    process: psutil.Process
    taken_at: float
    cpu_percent: float | None
    rss_bytes: int | None


class _ResourceSampler:
    """CPU and RSS per pid, cached; psutil's cpu_percent needs the same Process object each time."""

    def __init__(self, max_age: float = SAMPLE_AGE) -> None:
        self.max_age = max_age
        self._samples: dict[int, _Sample] = {}

    def sample(self, pid: int | None) -> tuple[float | None, int | None]:
        if pid is None:
            return None, None
        now = time.monotonic()
        sample = self._samples.get(pid)
        if sample is not None and now - sample.taken_at < self.max_age:
            return sample.cpu_percent, sample.rss_bytes
        try:
            process = sample.process if sample is not None else psutil.Process(pid)
            with process.oneshot():
                cpu = process.cpu_percent(None)
                rss = process.memory_info().rss
        except (psutil.Error, OSError):
            self._samples.pop(pid, None)
            return None, None
        self._samples[pid] = _Sample(process, now, cpu, rss)
        return cpu, rss

    def keep_only(self, pids: Iterable[int]) -> None:
        alive = set(pids)
        for pid in [p for p in self._samples if p not in alive]:
            del self._samples[pid]


class WorkerTable:
    """Every supervised worker, by id. Tasks run in `nursery` (the supervisor's)."""

    def __init__(
        self,
        nursery: trio.Nursery,
        spawner: Spawner,
        listener: WorkerListener | None = None,
        clock: HC3Clock | None = None,
    ) -> None:
        #: the emulated HC3 clock every worker follows (None: the machine's, nothing to tell them)
        self.clock = clock
        self._nursery = nursery
        self._spawner = spawner
        self._listener = listener
        self._tasks: dict[int, WorkerTask] = {}
        self._sampler = _ResourceSampler()

    # --- membership ----------------------------------------------------------------------------

    def add(self, spec: WorkerSpec, *, start: bool = True) -> WorkerTask:
        """Supervise a new worker (and start it unless `start=False`)."""
        if spec.id in self._tasks:
            raise ValueError(f"worker {spec.id} is already in the table")
        task = WorkerTask(spec, self._spawner, self._listener, self.clock)
        if self.clock is not None and start:
            self.clock.worker_expected(spec.id)
        self._tasks[spec.id] = task
        self._nursery.start_soon(task.run, name=f"worker {spec.id} ({spec.name})")
        if start:
            task.start()
        return task

    async def remove(
        self,
        worker_id: int,
        timeout: float = 3.0,  # noqa: ASYNC109 - the bound is part of the contract
    ) -> None:
        """Stop the worker (bounded by `timeout`, then killed) and forget it."""
        task = self.get(worker_id)
        await _stop_tasks([task], timeout)
        task.cancel()
        await task.wait_finished()  # bounded: the reap on the way out has a deadline
        del self._tasks[worker_id]
        if self.clock is not None:
            self.clock.worker_forgotten(worker_id)

    def get(self, worker_id: int) -> WorkerTask:
        try:
            return self._tasks[worker_id]
        except KeyError:
            raise UnknownWorker(worker_id, "no such worker") from None

    def ids(self) -> list[int]:
        return list(self._tasks)

    def __contains__(self, worker_id: object) -> bool:
        return worker_id in self._tasks

    def __len__(self) -> int:
        return len(self._tasks)

    # --- commands ------------------------------------------------------------------------------

    def start(self, worker_id: int) -> None:
        self.get(worker_id).start()

    def stop(self, worker_id: int) -> None:
        self.get(worker_id).stop()

    def restart(self, worker_id: int) -> None:
        """A new process (new generation and pid) for this worker; the others are not touched."""
        self.get(worker_id).restart()

    async def stop_all(
        self,
        timeout: float = 3.0,  # noqa: ASYNC109 - the bound is part of the contract
    ) -> list[int]:
        """Stop every worker in parallel within `timeout` s; the ids that did not stop."""
        return await _stop_tasks(list(self._tasks.values()), timeout)

    async def wait_state(
        self,
        worker_id: int,
        states: WorkerState | Iterable[WorkerState],
        timeout: float,  # noqa: ASYNC109 - the bound is part of the contract
    ) -> WorkerState:
        return await self.get(worker_id).wait_state(states, timeout)

    # --- reports -------------------------------------------------------------------------------

    def info(self, worker_id: int) -> dict[str, Any]:
        return self._info(self.get(worker_id))

    def infos(self) -> list[dict[str, Any]]:
        self._sampler.keep_only(t.pid for t in self._tasks.values() if t.pid is not None)
        return [self._info(task) for task in self._tasks.values()]

    def _info(self, task: WorkerTask) -> dict[str, Any]:
        status = task.status()
        cpu, rss = self._sampler.sample(status.pid)
        return {
            "id": task.id,
            "name": task.spec.name,
            "state": status.state.value,
            "pid": status.pid,
            "generation": status.generation,
            "restarts": status.restarts,
            "uptime": status.uptime,
            "last_error": status.last_error,
            "last_exit": status.last_exit,
            "cpu_percent": cpu,
            "rss_bytes": rss,
        }


async def _stop_tasks(
    tasks: list[WorkerTask],
    timeout: float,  # noqa: ASYNC109 - shutdown -> TERM -> KILL spread over the bound
) -> list[int]:
    for task in tasks:
        task.stop()
    end = trio.current_time() + timeout
    for step in (2, 1, 0):  # escalate at 1/3 and 2/3 of the timeout, give up at the end
        with trio.move_on_at(end - timeout * step / 3):
            for task in tasks:
                await task.wait_state(RESTING_STATES, math.inf)
            return []
        if step:
            for task in tasks:
                if task.state is WorkerState.STOPPING:
                    task.escalate_stop()
    return [task.id for task in tasks if task.state not in RESTING_STATES]


@asynccontextmanager
async def open_worker_table(
    spawner: Spawner,
    listener: WorkerListener | None = None,
    *,
    stop_timeout: float = 3.0,
    clock: HC3Clock | None = None,
) -> AsyncIterator[WorkerTable]:
    """A worker table in its own nursery; on exit every worker is stopped (bounded) and reaped."""
    async with trio.open_nursery() as nursery:
        table = WorkerTable(nursery, spawner, listener, clock)
        try:
            yield table
        finally:
            with trio.CancelScope(shield=True):
                await table.stop_all(stop_timeout)
            nursery.cancel_scope.cancel()
