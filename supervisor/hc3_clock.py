"""The emulated HC3's clock in a running supervisor: `TimePolicy` (time_policy.py) plus its I/O.

Theory of operation
-------------------
One `HC3Clock` per supervisor (`plua2 up`, `plua2 run`). The worker tasks (worker_task.py) call
its hooks, all synchronous and cheap:

- `worker_expected(id)` when a worker joins the table (it counts as busy from then on, so no other
  worker runs ahead of its start-up), `worker_forgotten(id)` when it leaves;
- `worker_loading(id, generation, send_nowait)` when a Load goes out: registers the worker and
  returns the Load's `clock` option (None on the machine's clock);
- `frame_sending` / `frame_dropped` around every Request or Response sent to a worker;
- `idle` for each `Idle` report; `worker_gone` when an incarnation ends.

What the policy grants is sent at once as `Clock` frames through the worker's `send_nowait`; a
frame that does not fit in a worker's queue is un-counted (`frame_dropped`), so that worker stays
busy in the policy's eyes rather than waiting for a report that will never come.

`advance(seconds)` and `set_wall(epoch)` are what `POST /plua/time` calls; `wait_settled(timeout)`
waits (bounded) until an advance has run every timer due before its target. `wall()` is the
emulated wall clock for the REST API (settings/info, refreshStates, events, device `modified`):
`time.time()` itself while the clock is real. Monotonic readings are `time.monotonic()`, the one
clock every process of the machine shares; trio's clock is used only for waiting.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

import trio

from ..shared.codec import encode
from ..shared.messages import Clock, Idle
from ..shared.virtual_time import TimeBase, parse_wall_time, wall_text
from .time_policy import Grant, TimePolicy

__all__ = ["ClockSettings", "HC3Clock"]

log = logging.getLogger("plua2.clock")

SendNowait = Callable[[bytes], bool]


class ClockSettings:
    """`--speed`, `--instant`, `--start` (and PLUA2_SPEED / PLUA2_INSTANT / PLUA2_START)."""

    def __init__(
        self, speed: float | None = None, instant: bool = False, start: float | None = None
    ) -> None:
        if speed is not None and (not speed > 0 or not math.isfinite(speed)):
            raise ValueError("--speed must be a positive number")
        self.speed = speed
        self.instant = instant
        self.start = start

    @property
    def real(self) -> bool:
        return self.speed is None and not self.instant and self.start is None

    @classmethod
    def from_args(
        cls, speed: float | None, instant: bool, start: str | None, env: dict[str, str]
    ) -> ClockSettings:
        """Command line first, then the environment. ValueError with a one-line reason."""
        if speed is None and env.get("PLUA2_SPEED"):
            try:
                speed = float(env["PLUA2_SPEED"])
            except ValueError:
                raise ValueError(f"PLUA2_SPEED={env['PLUA2_SPEED']!r} is not a number") from None
        if not instant:
            instant = env.get("PLUA2_INSTANT", "").strip().lower() in ("1", "true", "yes", "on")
        if start is None:
            start = env.get("PLUA2_START") or None
        return cls(speed, instant, None if start is None else parse_wall_time(start))


class HC3Clock:
    def __init__(self, settings: ClockSettings | None = None) -> None:
        settings = settings or ClockSettings()
        real = TimeBase.real()
        if settings.start is not None:
            real = TimeBase(real.vmono, real.mono, 1.0, settings.start - real.vmono)
        self.policy = TimePolicy(
            real, speed=settings.speed or 1.0, instant=settings.instant, real=settings.real
        )
        self._senders: dict[int, tuple[int, SendNowait]] = {}
        self._settled = trio.Event()
        self._settled.set()

    # --- reading -------------------------------------------------------------------------------

    def wall(self) -> float:
        """The emulated wall clock, epoch seconds."""
        if self.policy.real:
            return time.time()
        return self.policy.wall(time.monotonic())

    def status(self) -> dict[str, Any]:
        """What `GET /plua/time` answers."""
        wall = self.wall()
        return {
            "time": round(wall, 3),
            "date": wall_text(wall),
            **self.policy.describe(),
            "speed": self.policy.speed,
        }

    # --- worker hooks --------------------------------------------------------------------------

    def worker_expected(self, worker_id: int) -> None:
        self.policy.expect_worker(worker_id)

    def worker_forgotten(self, worker_id: int) -> None:
        self._senders.pop(worker_id, None)
        self._send(self.policy.remove_worker(worker_id, -1, time.monotonic()))

    def worker_loading(
        self, worker_id: int, generation: int, send_nowait: SendNowait
    ) -> dict[str, float] | None:
        self._senders[worker_id] = (generation, send_nowait)
        return self.policy.add_worker(worker_id, generation, time.monotonic())

    def worker_gone(self, worker_id: int, generation: int) -> None:
        sender = self._senders.get(worker_id)
        if sender is not None and sender[0] == generation:
            del self._senders[worker_id]
        self._send(self.policy.remove_worker(worker_id, generation, time.monotonic()))

    def frame_sending(self, worker_id: int, generation: int) -> None:
        self._send(self.policy.frame_sending(worker_id, generation, time.monotonic()))

    def frame_dropped(self, worker_id: int, generation: int) -> None:
        self.policy.frame_dropped(worker_id, generation)

    def idle(self, worker_id: int, message: Idle) -> None:
        grants = self.policy.idle(
            worker_id, message.generation, message.seen, message.now, message.next_due,
            time.monotonic(),
        )  # fmt: skip
        self._send(grants)

    # --- setting -------------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """ValueError for a bad number of seconds."""
        self._send(self.policy.advance(seconds, time.monotonic()))

    def set_wall(self, value: object) -> None:
        """`value`: epoch seconds or "YYYY-MM-DD HH:MM[:SS]". ValueError with a reason."""
        wall = parse_wall_time(value)
        self._send(self.policy.set_wall(wall, time.monotonic()))

    async def wait_settled(self, timeout: float) -> bool:  # noqa: ASYNC109 - a bound is the point
        """Wait until no advance is running (at most `timeout` s). True if settled."""
        with trio.move_on_after(timeout):
            while self.policy.advancing:
                await self._settled.wait()
            return True
        return False

    # --- internals -----------------------------------------------------------------------------

    def _send(self, grants: list[Grant]) -> None:
        for grant in grants:
            sender = self._senders.get(grant.worker_id)
            if sender is None or sender[0] != grant.generation:
                self.policy.frame_dropped(grant.worker_id, grant.generation)
                continue
            base = grant.base
            frame = encode(
                Clock(
                    grant.generation,
                    grant.seq,
                    base.vmono,
                    base.mono,
                    base.speed,
                    base.offset,
                    grant.horizon,
                )  # fmt: skip
            )
            if not sender[1](frame):
                log.warning("worker %s: clock frame dropped (queue full)", grant.worker_id)
                self.policy.frame_dropped(grant.worker_id, grant.generation)
        if self.policy.advancing:
            if self._settled.is_set():
                self._settled = trio.Event()
        else:
            self._settled.set()
