"""The control API `/plua/...` (health, workers) over a `WorkerControl` the supervisor provides.

`WorkerControl` is the seam to the supervisor's worker table: `infos()` lists every worker as a
JSON-able dict (`id, name, state, pid, restarts, uptime, cpu, rss`), and `start/stop/restart(id)`
act on one, raising `KeyError` for an unknown id (404 here). Until a worker table is attached the
API uses `NoWorkers`: an empty list, every id unknown.

`/plua/time` reads and sets the emulated HC3 clock (`holder.clock`, an `HC3Clock` of
supervisor/hc3_clock.py; without one GET shows the machine's clock, POST is a 404): `GET` gives
`{time, date, speed, instant, real, advancing}`; `POST {"time": epoch seconds or "YYYY-MM-DD HH:MM[:SS]"}` sets it,
`POST {"advance": seconds}` moves it ahead, timers due meanwhile running in due order; the answer
comes once they ran (or after `SETTLE_TIMEOUT` s) and is the new GET answer. Bad input is a 400.
"""

from __future__ import annotations

import os
import time
from typing import Any, Protocol

from .errors import BadRequest, NotFound
from .router import Query, Reply, Router

__all__ = ["NoWorkers", "SETTLE_TIMEOUT", "WorkerControl", "register"]

#: the longest POST /plua/time waits for the timers of an advance to have run
SETTLE_TIMEOUT = 30.0


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
            "ready": bool(getattr(holder, "ready", True)),
            "pid": os.getpid(),
            "uptime": round(time.time() - started, 3),
            "workers": len(holder.workers.infos()),
        }

    def workers(params: dict[str, Any], query: Query, body: Any) -> Reply:
        return 200, holder.workers.infos()

    def clock() -> Any:
        hc3_clock = getattr(holder, "clock", None)
        if hc3_clock is None:
            raise NotFound("this server has no emulated clock")
        return hc3_clock

    def get_time(params: dict[str, Any], query: Query, body: Any) -> Reply:
        hc3_clock = getattr(holder, "clock", None)
        if hc3_clock is None:  # an API without a supervisor: the machine's clock
            now = time.time()
            return 200, {"time": round(now, 3), "date": time.strftime("%Y-%m-%d %H:%M:%S"),
                         "speed": 1.0, "instant": False, "real": True, "advancing": False}  # fmt: skip
        return 200, hc3_clock.status()

    async def set_time(params: dict[str, Any], query: Query, body: Any) -> Reply:
        hc3_clock = clock()
        if not isinstance(body, dict) or len(body.keys() & {"time", "advance"}) != 1:
            raise BadRequest(
                'expected {"time": epoch or "YYYY-MM-DD HH:MM[:SS]"} or {"advance": s}'
            )
        try:
            if "time" in body:
                hc3_clock.set_wall(body["time"])
            else:
                seconds = body["advance"]
                if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                    raise ValueError("advance must be a number of seconds >= 0")
                hc3_clock.advance(float(seconds))
        except ValueError as error:
            raise BadRequest(str(error)) from None
        await hc3_clock.wait_settled(SETTLE_TIMEOUT)
        return 200, hc3_clock.status()

    router.add("GET", "/plua/time", get_time)
    router.add("POST", "/plua/time", set_time)
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
