"""The worker's time source.

Theory of operation
-------------------
Every time the worker reads (timer due times, uptime) comes from one `Clock` object, never from
scattered `time.monotonic()` calls, so a later issue can swap in virtual time without touching the
timer loop. A clock has a synchronous `now()` in seconds and an async `sleep_until(t)` in the same
units; `MonotonicClock` maps both onto `time.monotonic()` and trio.

Invariant: `now()` never goes backwards.

`WorkerClock` is the worker's clock under plua2's emulated HC3 clock (shared/virtual_time.py). It
starts as the machine's clock (`now` *is* `time.monotonic`, no wrapper: the default path costs
nothing) and turns virtual for good at the first `Clock` from the supervisor (or a `clock` Load
option). Virtual: `now()` is the base's virtual time, kept monotonic on top of the bases it is sent
(`_floor`); on a frozen base (speed 0) it moves only by `jump_to`, which the runtime uses to go to
its next timer when nothing else is to do and that timer is within `horizon`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Protocol

import trio

from ..shared.virtual_time import TimeBase

__all__ = ["Clock", "MonotonicClock", "WorkerClock"]


class Clock(Protocol):
    #: a frozen clock moves only by `jump_to` (within `horizon`) or a new base from the supervisor
    frozen: bool
    horizon: float

    def now(self) -> float:
        """Seconds on this clock's own scale (only differences mean anything)."""
        ...

    async def sleep_until(self, when: float) -> None:
        """Return once `now() >= when` (at once if it already is). Cancellable."""
        ...

    def trio_deadline(self, when: float) -> float:
        """The trio deadline (for `trio.move_on_at`) at which this clock reads `when`."""
        ...

    def real_delay(self, when: float) -> float | None:
        """Real seconds until `now() >= when`; None if it will not get there by itself."""
        ...

    def wall(self) -> float:
        """Wall-clock epoch seconds (what os.time shows)."""
        ...

    def jump_to(self, when: float) -> None:
        """Move a frozen clock forward to `when`."""
        ...


class MonotonicClock:
    """Real time: `time.monotonic()`."""

    __slots__ = ()
    frozen = False
    horizon = math.inf

    def now(self) -> float:
        return time.monotonic()

    async def sleep_until(self, when: float) -> None:
        delay = when - time.monotonic()
        if delay > 0:
            await trio.sleep(delay)
        else:
            await trio.lowlevel.checkpoint()

    def trio_deadline(self, when: float) -> float:
        return trio.current_time() + max(0.0, when - time.monotonic())

    def real_delay(self, when: float) -> float | None:
        return max(0.0, when - time.monotonic())

    def wall(self) -> float:
        return time.time()

    def jump_to(self, when: float) -> None:
        raise RuntimeError("the real clock cannot jump")


class WorkerClock:
    """Real time until `apply` gives it a virtual base; see the module docstring."""

    __slots__ = ("now", "base", "seq", "horizon", "frozen", "_floor")

    def __init__(self) -> None:
        #: seconds on the timers' scale: time.monotonic itself until the clock turns virtual
        self.now: Callable[[], float] = time.monotonic
        self.base: TimeBase | None = None
        self.seq = 0
        self.horizon = math.inf
        self.frozen = False
        self._floor = -math.inf

    @property
    def virtual(self) -> bool:
        return self.base is not None

    def apply(self, seq: int, base: TimeBase, horizon: float) -> bool:
        """Take a newer base (a lower or equal `seq` is ignored). True if taken."""
        if seq <= self.seq:
            return False
        if self.base is not None:  # from real time, the base itself is continuous with it
            self._floor = max(self._floor, self.now())
        self.seq = seq
        self.base = base
        self.horizon = horizon
        self.frozen = base.speed == 0
        self.now = self._virtual_now
        return True

    def _virtual_now(self) -> float:
        assert self.base is not None
        t = self.base.vmono_at(time.monotonic())
        if t < self._floor:
            return self._floor
        self._floor = t
        return t

    def jump_to(self, when: float) -> None:
        """Move a virtual clock forward to `when` (never back)."""
        if when > self._floor:
            self._floor = when

    def wall(self) -> float:
        """Wall-clock epoch seconds (os.time), rounded to microseconds."""
        if self.base is None:
            return time.time()
        return round(self.now() + self.base.offset, 6)

    def real_delay(self, when: float) -> float | None:
        """Real seconds until `now() >= when`; None if only a new base can get there."""
        if self.base is None:
            return max(0.0, when - time.monotonic())
        remaining = when - self.now()
        if remaining <= 0:
            return 0.0
        if self.frozen:
            return None
        return remaining / self.base.speed

    async def sleep_until(self, when: float) -> None:
        delay = self.real_delay(when)
        if delay is None:
            await trio.sleep_forever()
        elif delay > 0:
            await trio.sleep(delay)
        else:
            await trio.lowlevel.checkpoint()

    def trio_deadline(self, when: float) -> float:
        delay = self.real_delay(when)
        return math.inf if delay is None else trio.current_time() + delay
