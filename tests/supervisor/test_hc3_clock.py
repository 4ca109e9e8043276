"""HC3Clock (supervisor/hc3_clock.py): the policy's grants go out as Clock frames; an advance
settles once the workers report. On trio's MockClock: no real waiting."""

from __future__ import annotations

import math

import trio
import trio.testing
from plua2.shared.codec import FrameDecoder
from plua2.shared.messages import Clock, Idle
from plua2.shared.virtual_time import parse_wall_time
from plua2.supervisor.hc3_clock import ClockSettings, HC3Clock


def _clocks(frames: list[bytes]) -> list[Clock]:
    decoder = FrameDecoder()
    for frame in frames:
        decoder.feed(frame)
    return [m for m in decoder.messages() if isinstance(m, Clock)]


async def test_an_advance_settles_when_the_worker_has_run_what_was_due(
    autojump_clock: trio.testing.MockClock,
) -> None:
    clock = HC3Clock(ClockSettings(start=parse_wall_time("2027-01-04 00:00")))
    frames: list[bytes] = []
    option = clock.worker_loading(5000, 1, lambda frame: frames.append(frame) or True)
    assert option is not None and option["speed"] == 1.0 and option["horizon"] == math.inf
    clock.advance(3600)
    (freeze,) = _clocks(frames)
    assert freeze.speed == 0 and clock.policy.advancing
    assert not await clock.wait_settled(5.0)  # the worker has not reported: still advancing
    vmono = freeze.vmono
    clock.idle(5000, Idle(1, 1, vmono, vmono + 600))  # a timer due in 10 minutes
    grant = _clocks(frames)[-1]
    assert grant.horizon == vmono + 3600  # may run up to the target, not beyond
    clock.idle(5000, Idle(1, 2, vmono + 600, vmono + 7200))
    assert await clock.wait_settled(5.0)
    resume = _clocks(frames)[-1]
    assert resume.speed == 1.0 and resume.horizon == math.inf
    assert abs(clock.wall() - parse_wall_time("2027-01-04 01:00")) < 5


async def test_a_full_queue_uncounts_the_clock_frame(
    autojump_clock: trio.testing.MockClock,
) -> None:
    clock = HC3Clock(ClockSettings(instant=True))
    clock.worker_loading(1, 1, lambda frame: False)  # its queue is full
    start = clock.policy.floor
    clock.idle(1, Idle(1, 0, start, start + 60))  # granted, but the grant cannot be queued
    worker = clock.policy.workers[1]
    assert worker.sent == 0 and worker.idle  # as it was: the next event retries
    clock.worker_gone(1, 1)
    clock.set_wall("2030-01-01 00:00")
    assert await clock.wait_settled(1.0)
    assert clock.status()["date"] == "2030-01-01 00:00:00"
