"""The timer queue: which timer runs next. Pure data structure, no I/O, no Lua, no clock.

Theory of operation
-------------------
A timer is a reference (`ref`, a positive int, never reused) with a due time and, for an interval,
a period. The queue is a binary heap of `(due, seq, ref)`; `seq` grows with every insertion, so
timers due at the same time come out in the order they were scheduled.

Invariants:
- `ref in live` <=> the timer was added and neither cancelled nor finished. `len(queue)` is the
  number of live timers, including an interval whose callback is running right now.
- Cancelling is lazy: the heap entry stays until popped and is then skipped. When dead entries
  outnumber live ones (and there are many) the heap is rebuilt, so a QuickApp that keeps resetting a
  far-future watchdog timer does not grow the heap without bound.
- A popped one-shot timer is finished (no longer live). A popped interval stays live but out of the
  heap until the caller `reschedule`s it (or it was cancelled meanwhile, e.g. from its own callback,
  and `reschedule` then does nothing).
"""

from __future__ import annotations

import heapq
from typing import NamedTuple

__all__ = ["DueTimer", "TimerQueue"]

_COMPACT_MIN = 1024


class DueTimer(NamedTuple):
    """A timer taken out of the queue to run now."""

    ref: int
    due: float
    #: the period of an interval in seconds, None for a one-shot timer
    interval: float | None


class TimerQueue:
    __slots__ = ("_heap", "_live", "_seq", "_next_ref", "_dead")

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, int]] = []
        #: ref -> interval period (None for a one-shot)
        self._live: dict[int, float | None] = {}
        self._seq = 0
        self._next_ref = 1
        self._dead = 0

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, ref: object) -> bool:
        return ref in self._live

    def add(self, due: float, interval: float | None = None) -> int:
        """Schedule a timer due at `due`; an interval repeats every `interval` seconds. Its ref."""
        if interval is not None and interval < 0:
            raise ValueError("interval must be >= 0")
        ref = self._next_ref
        self._next_ref += 1
        self._live[ref] = interval
        self._push(due, ref)
        return ref

    def cancel(self, ref: int) -> bool:
        """Forget a timer. True if it was live. Safe from inside the timer's own callback."""
        if self._live.pop(ref, _MISSING) is _MISSING:
            return False
        self._dead += 1
        if self._dead > _COMPACT_MIN and self._dead > len(self._live):
            self._compact()
        return True

    def next_due(self) -> float | None:
        """The due time of the next live timer in the heap, or None."""
        heap = self._heap
        while heap and heap[0][2] not in self._live:
            heapq.heappop(heap)
            self._dead -= 1
        return heap[0][0] if heap else None

    def pop_due(self, now: float) -> DueTimer | None:
        """The next timer due at or before `now`, taken out of the heap; None if none is due."""
        heap = self._heap
        live = self._live
        while heap:
            due, _seq, ref = heap[0]
            if ref not in live:
                heapq.heappop(heap)
                self._dead -= 1
                continue
            if due > now:
                return None
            heapq.heappop(heap)
            interval = live[ref]
            if interval is None:
                del live[ref]
            return DueTimer(ref, due, interval)
        return None

    def reschedule(self, ref: int, due: float) -> bool:
        """Put a popped interval back for its next run. False (nothing done) if it was cancelled."""
        if ref not in self._live:
            return False
        self._push(due, ref)
        return True

    def _push(self, due: float, ref: int) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (due, self._seq, ref))

    def _compact(self) -> None:
        live = self._live
        self._heap = [entry for entry in self._heap if entry[2] in live]
        heapq.heapify(self._heap)
        self._dead = 0


_MISSING = object()
