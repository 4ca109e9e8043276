"""The control API `/plua/...` (health, workers) over a `WorkerControl` the supervisor provides.

`WorkerControl` is the seam to the supervisor's worker table: `infos()` lists every worker as a
JSON-able dict (`id, name, state, pid, restarts, uptime, cpu, rss`), and `start/stop/restart(id)`
act on one, raising `KeyError` for an unknown id (404 here). Until a worker table is attached the
API uses `NoWorkers`: an empty list, every id unknown.
"""

from __future__ import annotations

import os
import time
from typing import Any, Protocol

from .errors import NotFound
from .router import Query, Reply, Router

__all__ = ["NoWorkers", "WorkerControl", "register"]


class WorkerControl(Protocol):
    def infos(self) -> list[dict[str, Any]]: ...

    async def start(self, worker_id: int) -> None: ...

    async def stop(self, worker_id: int) -> None: ...

    async def restart(self, worker_id: int) -> None: ...


class NoWorkers:
    """The worker table of a supervisor that runs no workers."""

    def infos(self) -> list[dict[str, Any]]:
        return []

    async def start(self, worker_id: int) -> None:
        raise KeyError(worker_id)

    async def stop(self, worker_id: int) -> None:
        raise KeyError(worker_id)

    async def restart(self, worker_id: int) -> None:
        raise KeyError(worker_id)


class _Holder(Protocol):
    workers: WorkerControl


def register(router: Router, holder: _Holder) -> None:
    """Mount /plua/health and /plua/workers...; `holder.workers` is read on every request."""
    started = time.time()

    def health(params: dict[str, Any], query: Query, body: Any) -> Reply:
        return 200, {
            "status": "ok",
            "pid": os.getpid(),
            "uptime": round(time.time() - started, 3),
            "workers": len(holder.workers.infos()),
        }

    def workers(params: dict[str, Any], query: Query, body: Any) -> Reply:
        return 200, holder.workers.infos()

    router.add("GET", "/plua/health", health)
    router.add("GET", "/plua/workers", workers)
    for verb in ("start", "stop", "restart"):
        router.add("POST", f"/plua/workers/{{id:int}}/{verb}", _act(holder, verb))


def _act(holder: _Holder, verb: str) -> Any:
    async def act(params: dict[str, Any], query: Query, body: Any) -> Reply:
        worker_id = params["id"]
        try:
            await getattr(holder.workers, verb)(worker_id)
        except KeyError:
            raise NotFound(f"no worker {worker_id}") from None
        return 200, {"id": worker_id, "action": verb, "status": "ok"}

    return act
