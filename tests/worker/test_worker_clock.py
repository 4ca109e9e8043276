"""The worker's clock under the emulated HC3 clock (worker/clock.py) and what Lua sees of it."""

from __future__ import annotations

import math
import time
from typing import Any

import trio
from plua2.shared.messages import Clock, Idle, Log
from plua2.shared.virtual_time import TimeBase, parse_wall_time
from plua2.worker.clock import WorkerClock
from plua2.worker.options import LoadOptions
from plua2.worker.runtime import Runtime
from worker_helpers import FakeHost

WALL = parse_wall_time("2027-01-04 00:00")


def frozen(vmono: float = 500.0, wall: float = WALL) -> TimeBase:
    return TimeBase(vmono, time.monotonic(), 0.0, wall - vmono)


def test_real_until_told_otherwise() -> None:
    clock = WorkerClock()
    assert clock.now is time.monotonic and not clock.virtual and not clock.frozen
    assert abs(clock.wall() - time.time()) < 1


def test_a_frozen_clock_moves_only_by_jumps_and_newer_bases() -> None:
    clock = WorkerClock()
    assert clock.apply(1, frozen(500.0), 600.0)
    assert clock.now() == 500.0 and clock.wall() == WALL and clock.real_delay(501) is None
    clock.jump_to(550.0)
    clock.jump_to(520.0)  # never back
    assert clock.now() == 550.0
    assert not clock.apply(1, frozen(900.0), 1000.0)  # an old seq is ignored
    assert clock.apply(2, frozen(510.0), 1000.0)  # an earlier base does not move it back
    assert clock.now() == 550.0 and clock.horizon == 1000.0
    assert clock.apply(3, frozen(700.0), math.inf)
    assert clock.now() == 700.0


def test_a_flowing_clock_runs_at_its_speed() -> None:
    clock = WorkerClock()
    mono = time.monotonic()
    clock.apply(1, TimeBase(100.0, mono, 1000.0, WALL - 100.0), math.inf)
    delay = clock.real_delay(clock.now() + 1000.0)
    assert delay is not None and 0.9 < delay <= 1.0


def _runtime(clock: WorkerClock) -> tuple[Runtime, FakeHost]:
    host = FakeHost()
    reports: list[float | None] = []
    host.report_idle = reports.append  # type: ignore[attr-defined]
    host.reports = reports  # type: ignore[attr-defined]
    return Runtime(7, LoadOptions(exit_when_idle=True), host, clock), host


def _prints(host: FakeHost) -> list[str]:
    return [m.text for m in host.sent if isinstance(m, Log)]


async def test_lua_sees_each_timer_at_its_due_time_on_a_frozen_clock() -> None:
    clock = WorkerClock()
    clock.apply(1, frozen(), math.inf)
    runtime, host = _runtime(clock)
    runtime.load(
        """
        local function next7()
          local t = os.date("*t")
          local target = os.time{year=t.year, month=t.month, day=t.day, hour=7, min=0, sec=0}
          if target <= os.time() then target = target + 86400 end
          return target - os.time()
        end
        local n = 0
        local function tick()
          n = n + 1
          print(os.date("%Y-%m-%d %H:%M:%S") .. " " .. os.date("!%H", os.time()))
          if n < 3 then setTimeout(tick, next7() * 1000) end
        end
        setTimeout(tick, next7() * 1000)
        """,
        "daily.lua",
    )
    with trio.fail_after(10):
        await runtime.run_loop()
    local_7 = time.strftime("%H", time.gmtime(parse_wall_time("2027-01-04 07:00")))
    assert _prints(host) == [f"2027-01-0{d} 07:00:00 {local_7}" for d in (4, 5, 6)]


async def test_beyond_the_horizon_it_reports_idle_and_waits_for_a_grant() -> None:
    clock = WorkerClock()
    clock.apply(1, frozen(500.0), 510.0)
    runtime, host = _runtime(clock)
    runtime.options = LoadOptions(exit_when_idle=False)
    blocked = trio.Event()
    reports: list[float | None] = []

    def report_idle(next_due: float | None) -> None:
        reports.append(next_due)
        if next_due == 520.0:
            blocked.set()

    host.report_idle = report_idle  # type: ignore[attr-defined]
    runtime.load("setTimeout(function() print(os.time()) end, 5000)\n"
                 "setTimeout(function() print(os.time()); os.exit() end, 20000)", "t.lua")  # fmt: skip
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(runtime.run_loop)
            await blocked.wait()
            # a progress report at its first jump (505 is within the horizon), then blocked at 520
            assert reports == [505.0, 520.0]
            assert _prints(host) == [str(int(WALL) + 5)]
            base = frozen(500.0)
            runtime.apply_clock(Clock(7, 2, base.vmono, base.mono, 0.0, base.offset, math.inf))
    assert _prints(host) == [str(int(WALL) + 5), str(int(WALL) + 20)]


def test_idle_messages_round_trip() -> None:
    from plua2.shared.codec import decode_payload, encode

    message: Any = Idle(3, 4, 520.0, None)
    assert decode_payload(encode(message)[4:]) == message
