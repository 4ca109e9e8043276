"""The supervisor's one clock for the whole emulated HC3, and who may move it how far. Pure.

Theory of operation
-------------------
The clock is a `TimeBase` (shared/virtual_time.py): virtual time (the timers' scale, never
backwards) and wall time = virtual + offset. Three ways to run it:

- **real** (the default, `real is True`): the machine's clock; workers are not told anything and
  keep their native fast path. The first change (a set, an advance) turns the clock virtual.
- **flowing**: virtual time runs `speed` x real time (`--speed`, `--start`); workers compute it
  from the base they were sent and run their timers on it by themselves (no reports).
- **synchronised** (`--instant`, or while an advance runs): the base is frozen at the floor `G`
  and time moves only as workers finish what is due. Each worker reports `Idle(seen, now,
  next_due)` when it has nothing to do before `next_due`; the policy grants a worker a *horizon*:
  it may run its own timers (jumping its own clock from one to the next) up to that virtual time
  without asking. A worker's horizon is the earliest moment another worker could still act at:
  another idle worker's next due timer, a busy one's known time, the advance's target. So a timer
  due at T in one worker never runs after a timer due at T' > T in another has run (both are only
  granted in due order), and a lone worker runs its timers without one round trip each.

Bookkeeping per worker (`WorkerTime`): `sent` counts the frames that can change what a worker will
do (Requests, Responses, Clock) sent to it; the worker counts the same frames received and puts
that count (`seen`) in its Idle report, so a report written before the latest frame arrived is
recognised (`seen != sent`) and ignored: the worker stays busy until it reports again.

Invariants:
- `G` (`floor`) never decreases; a worker is never sent a base older than one it was sent (`seq`
  grows with every new base) and workers keep their own clock monotonic on top.
- Setting the wall clock earlier changes only the offset; setting it later is an advance.
- Methods return the `Grant`s to send (a Clock message each, in order); nothing here does I/O or
  reads a clock: callers pass `mono` (time.monotonic()).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from ..shared.virtual_time import TimeBase

__all__ = ["Grant", "TimePolicy", "WorkerTime"]

_INF = math.inf


class Grant(NamedTuple):
    """Send worker `worker_id` (generation) a Clock: this base, and run up to `horizon`."""

    worker_id: int
    generation: int
    seq: int
    base: TimeBase
    horizon: float


@dataclass(slots=True)
class WorkerTime:
    generation: int
    #: frames sent that the worker counts (Requests, Responses, Clock)
    sent: int = 0
    #: the last accepted report: idle with nothing due before `next_due`
    idle: bool = False
    next_due: float | None = None
    #: the virtual time the worker is known to be at (or past)
    time: float = 0.0
    #: the horizon it was last granted
    horizon: float = 0.0
    #: the seq of the last base it was sent (0: none)
    seq: int = 0
    #: `seen` of its last accepted report (-1: none)
    reported: int = -1


class TimePolicy:
    def __init__(
        self,
        base: TimeBase,
        *,
        speed: float = 1.0,
        instant: bool = False,
        real: bool = False,
    ) -> None:
        if not speed > 0 or not math.isfinite(speed):
            raise ValueError("speed must be a positive number")
        self.speed = speed
        self.instant = instant
        self.real = real and not instant
        self.seq = 1
        self.target: float | None = None
        self.workers: dict[int, WorkerTime] = {}
        self.base = base.anchored(base.mono, speed=0.0 if instant else speed)
        self.floor = self.base.vmono

    # --- reading -------------------------------------------------------------------------------

    @property
    def synchronised(self) -> bool:
        return self.instant or self.target is not None

    @property
    def advancing(self) -> bool:
        return self.target is not None

    def vmono(self, mono: float) -> float:
        return self.base.vmono_at(mono)

    def wall(self, mono: float) -> float:
        return self.base.wall_at(mono)

    def describe(self) -> dict[str, object]:
        return {
            "speed": 0.0 if self.real else self.speed,
            "instant": self.instant,
            "real": self.real,
            "advancing": self.advancing,
        }

    # --- workers -------------------------------------------------------------------------------

    def add_worker(self, worker_id: int, generation: int, mono: float) -> dict[str, float] | None:
        """A worker starts: the `clock` option of its Load (None: the machine's clock)."""
        w = WorkerTime(generation, time=self.vmono(mono), seq=self.seq)
        self.workers[worker_id] = w
        if self.real:
            return None
        w.horizon = self._horizon(worker_id) if self.synchronised else _INF
        base = self.base
        return {"seq": self.seq, "vmono": base.vmono, "mono": base.mono, "speed": base.speed,
                "offset": base.offset, "horizon": w.horizon}  # fmt: skip

    def expect_worker(self, worker_id: int) -> None:
        """A worker is about to start (generation 0 until it loads): busy, so nobody runs ahead
        of what its start-up may schedule."""
        if worker_id not in self.workers:
            self.workers[worker_id] = WorkerTime(0, time=self.floor)

    def remove_worker(self, worker_id: int, generation: int, mono: float) -> list[Grant]:
        """The worker's incarnation `generation` ended (or it never started: any generation
        removes an expected worker; -1 removes it whatever its generation)."""
        w = self.workers.get(worker_id)
        if w is None or (w.generation not in (generation, 0) and generation != -1):
            return []
        del self.workers[worker_id]
        if self.synchronised and w.time > self.floor:
            # it ran ahead on its own (within its horizon, so before anyone else's next timer):
            # the clock keeps the moment it reached, as the QuickApp saw it
            self._new_base(TimeBase(w.time, mono, 0.0, self.base.offset))
        return self._progress(mono)

    def frame_sending(self, worker_id: int, generation: int, mono: float) -> list[Grant]:
        """A Request or Response is about to go to the worker: it is busy until it reports.

        Returns the Clock to send first when the worker's base is older than the current one.
        """
        w = self.workers.get(worker_id)
        if w is None or w.generation != generation:
            return []
        grants = []
        if not self.real and w.seq != self.seq:
            grants.append(self._grant(worker_id, w, w.horizon))
        w.sent += 1
        w.idle = False
        w.time = max(w.time, self.floor)
        return grants

    def frame_dropped(self, worker_id: int, generation: int) -> None:
        """A frame counted by `frame_sending` (or a Grant) could not be queued: the worker is as
        it was before it (idle again if its last report is current again)."""
        w = self.workers.get(worker_id)
        if w is not None and w.generation == generation and w.sent > 0:
            w.sent -= 1
            if w.reported == w.sent:
                w.idle = True

    def idle(
        self,
        worker_id: int,
        generation: int,
        seen: int,
        now: float,
        next_due: float | None,
        mono: float,
    ) -> list[Grant]:
        """A worker's Idle report. Stale ones (`seen != sent`, another generation) are ignored."""
        w = self.workers.get(worker_id)
        if w is None or w.generation != generation or seen != w.sent:
            return []
        w.idle = True
        w.reported = seen
        w.next_due = next_due
        w.time = max(w.time, now)
        return self._progress(mono) if self.synchronised else []

    # --- setting the clock ---------------------------------------------------------------------

    def advance(self, seconds: float, mono: float) -> list[Grant]:
        """Move the clock `seconds` ahead; timers due meanwhile run in due order (synchronised)."""
        if not seconds >= 0 or not math.isfinite(seconds):
            raise ValueError("advance must be a number of seconds >= 0")
        self._go_virtual(mono)
        now = self.vmono(mono)
        start = now if self.target is None else max(self.target, now)
        self.target = start + seconds
        grants = []
        if self.base.speed != 0:  # freeze, and tell every worker to report from now on
            self._new_base(self.base.anchored(mono, speed=0.0))
            for worker_id, w in self.workers.items():
                w.idle = False
                w.horizon = self.floor
                grants.append(self._grant(worker_id, w, w.horizon))
        return grants + self._progress(mono)

    def set_wall(self, wall: float, mono: float) -> list[Grant]:
        """Set the wall clock: later is an advance; earlier moves only the offset."""
        if not math.isfinite(wall):
            raise ValueError("time must be a finite number")
        self._go_virtual(mono)
        delta = wall - self.wall(mono)
        if delta >= 0:
            return self.advance(delta, mono)
        base = self.base.anchored(mono)
        self._new_base(TimeBase(base.vmono, base.mono, base.speed, base.offset + delta))
        grants = []
        for worker_id, w in self.workers.items():
            grants.append(self._grant(worker_id, w, w.horizon))
        return grants

    # --- internals -----------------------------------------------------------------------------

    def _go_virtual(self, mono: float) -> None:
        if self.real:
            self.real = False
            self._new_base(self.base.anchored(mono))

    def _new_base(self, base: TimeBase) -> None:
        self.seq += 1
        self.base = base
        self.floor = max(self.floor, base.vmono)

    def _grant(self, worker_id: int, w: WorkerTime, horizon: float) -> Grant:
        w.seq = self.seq
        w.sent += 1
        w.idle = False
        return Grant(worker_id, w.generation, self.seq, self.base, horizon)

    def _horizon(self, worker_id: int) -> float:
        """The latest virtual time `worker_id` may reach on its own now."""
        horizon = _INF if self.target is None else self.target
        for other_id, o in self.workers.items():
            if other_id == worker_id:
                continue
            if o.idle:
                if o.next_due is not None and o.next_due < horizon:
                    horizon = o.next_due
            elif o.time < horizon:
                horizon = o.time
        return max(horizon, self.floor)

    def _progress(self, mono: float) -> list[Grant]:
        if not self.synchronised:
            return []
        self._raise_floor()
        grants: list[Grant] = []
        for worker_id, w in self.workers.items():
            if not w.idle or w.next_due is None:
                continue
            horizon = self._horizon(worker_id)
            if w.next_due <= horizon:
                w.horizon = horizon
                w.time = max(w.time, w.next_due)
                grants.append(self._grant(worker_id, w, horizon))
        if self.target is not None and all(w.idle for w in self.workers.values()):
            # everyone is idle and nothing is due before the target: the advance is done
            self.floor = max(self.floor, self.target)
            self.target = None
            if self.instant:
                self._new_base(TimeBase(self.floor, mono, 0.0, self.base.offset))
                return grants + self._progress(mono)
            self._new_base(TimeBase(self.floor, mono, self.speed, self.base.offset))
            for worker_id, w in self.workers.items():
                w.horizon = _INF
                grants.append(self._grant(worker_id, w, _INF))
        return grants

    def _raise_floor(self) -> None:
        """G: the earliest moment anything can still happen (never lower than before); at rest,
        the latest moment a worker has reached."""
        floor = _INF
        for w in self.workers.values():
            if not w.idle:
                floor = min(floor, w.time)
            elif w.next_due is not None:
                floor = min(floor, w.next_due)
        if self.target is not None:
            floor = min(floor, self.target)
        if self.workers and all(w.idle for w in self.workers.values()):
            # at rest: the clock shows the latest moment a worker reached (running ahead)
            latest = max(w.time for w in self.workers.values())
            floor = latest if floor == _INF else max(floor, latest)
        if floor != _INF and floor > self.floor:
            self.floor = floor
            self.seq += 1
            self.base = TimeBase(floor, self.base.mono, 0.0, self.base.offset)
