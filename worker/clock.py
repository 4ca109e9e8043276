"""The worker's time source.

Theory of operation
-------------------
Every time the worker reads (timer due times, uptime) comes from one `Clock` object, never from
scattered `time.monotonic()` calls, so a later issue can swap in virtual time without touching the
timer loop. A clock has a synchronous `now()` in seconds and an async `sleep_until(t)` in the same
units; `MonotonicClock` maps both onto `time.monotonic()` and trio.

Invariant: `now()` never goes backwards.
"""

from __future__ import annotations

import time
from typing import Protocol

import trio

__all__ = ["Clock", "MonotonicClock"]


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on this clock's own scale (only differences mean anything)."""
        ...

    async def sleep_until(self, when: float) -> None:
        """Return once `now() >= when` (at once if it already is). Cancellable."""
        ...

    def trio_deadline(self, when: float) -> float:
        """The trio deadline (for `trio.move_on_at`) at which this clock reads `when`."""
        ...


class MonotonicClock:
    """Real time: `time.monotonic()`."""

    __slots__ = ()

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
