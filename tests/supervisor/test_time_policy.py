"""The emulated HC3 clock's policy (supervisor/time_policy.py), driven directly: no processes.

Workers are simulated by `Sim`: each holds a sorted list of timer due times; granted, it jumps
from timer to timer up to its horizon (as worker/runtime.py does), logs what it ran, and reports.
"""

from __future__ import annotations

import math

import pytest
from plua2.shared.virtual_time import TimeBase, parse_wall_time, sun_hours
from plua2.supervisor.time_policy import Grant, TimePolicy

START = 1_000.0  # virtual time at the start (a monotonic reading)
WALL = parse_wall_time("2027-01-04 00:00")


def policy(instant: bool = True, real: bool = False, speed: float = 1.0) -> TimePolicy:
    base = TimeBase(START, START, 1.0, WALL - START)
    return TimePolicy(base, instant=instant, real=real, speed=speed)


class Sim:
    """Workers with timer lists; delivers grants and runs what each is allowed to."""

    def __init__(self, p: TimePolicy, timers: dict[int, list[float]]) -> None:
        self.p = p
        self.timers = {wid: sorted(START + t for t in ts) for wid, ts in timers.items()}
        self.seen = dict.fromkeys(timers, 0)
        self.now = dict.fromkeys(timers, START)
        self.horizon: dict[int, float] = {}
        self.ran: list[tuple[float, int]] = []
        self.inbox: list[Grant] = []
        for wid in timers:
            option = p.add_worker(wid, 1, START)
            self.horizon[wid] = option["horizon"] if option else math.inf

    def report(self, wid: int) -> None:
        ts = self.timers[wid]
        self.inbox += self.p.idle(
            wid, 1, self.seen[wid], self.now[wid], ts[0] if ts else None, START
        )

    def run_worker(self, wid: int) -> None:
        ts = self.timers[wid]
        while ts and ts[0] <= self.horizon[wid]:
            due = ts.pop(0)
            self.now[wid] = max(self.now[wid], due)
            self.ran.append((due, wid))
        self.report(wid)

    def run(self, steps: int = 1000) -> None:
        for wid in self.timers:
            self.report(wid)
        for _ in range(steps):
            if not self.inbox:
                return
            grant = self.inbox.pop(0)
            wid = grant.worker_id
            self.seen[wid] += 1
            # a flowing clock runs timers as real time passes: none at once beyond its base
            self.horizon[wid] = grant.horizon if grant.base.frozen else grant.base.vmono
            self.now[wid] = max(self.now[wid], grant.base.vmono)
            if grant.base.frozen:
                self.run_worker(wid)
        raise AssertionError("did not settle")


def test_instant_runs_every_workers_timers_in_due_order() -> None:
    sim = Sim(policy(), {1: [10, 30, 50], 2: [20, 40], 3: [25]})
    sim.run()
    assert [due - START for due, _ in sim.ran] == [10, 20, 25, 30, 40, 50]
    assert sim.p.floor == START + 50


def test_a_lone_worker_may_run_ahead_without_asking() -> None:
    p = policy()
    option = p.add_worker(1, 1, START)
    assert option is not None and option["horizon"] == math.inf and option["speed"] == 0


def test_two_workers_due_at_the_same_moment_both_see_it() -> None:
    sim = Sim(policy(), {1: [7 * 3600], 2: [7 * 3600]})
    sim.run()
    assert sorted(sim.ran) == [(START + 7 * 3600, 1), (START + 7 * 3600, 2)]
    assert sim.now[1] == sim.now[2] == START + 7 * 3600


def test_a_stale_report_is_ignored_until_the_worker_reports_again() -> None:
    p = policy()
    p.add_worker(1, 1, START)
    p.add_worker(2, 1, START)
    assert p.idle(2, 1, 0, START, START + 5, START) == []  # 1 is busy: 2 may not move
    p.frame_sending(2, 1, START)  # a request goes to 2 while its report is on its way
    assert p.idle(2, 1, 0, START, START + 5, START) == []
    assert not p.workers[2].idle
    p.idle(1, 1, 0, START, None, START)
    assert p.floor == START  # 2 is still busy at START
    grants = p.idle(2, 1, 1, START, START + 5, START)
    assert [g.worker_id for g in grants] == [2]
    assert p.floor == START + 5


def test_another_generation_is_ignored() -> None:
    p = policy()
    p.add_worker(1, 2, START)
    assert p.idle(1, 1, 0, START, START + 5, START) == []
    assert p.remove_worker(1, 1, START) == [] and 1 in p.workers


def test_a_busy_worker_holds_the_others_back() -> None:
    p = policy()
    p.add_worker(1, 1, START)
    p.add_worker(2, 1, START)
    assert p.idle(1, 1, 0, START, START + 10, START) == []
    grants = p.remove_worker(2, 1, START)  # the busy one goes away: 1 may run
    assert [(g.worker_id, g.horizon) for g in grants] == [(1, math.inf)]


def test_advance_on_a_flowing_clock_freezes_runs_due_timers_and_flows_again() -> None:
    p = policy(instant=False)
    sim = Sim(p, {1: [10, 20, 500], 2: [15]})
    p.workers[1].idle = p.workers[2].idle = False
    sim.inbox += p.advance(100, START)
    assert p.advancing and p.base.speed == 0
    sim.run()
    assert [(due - START, wid) for due, wid in sim.ran] == [(10, 1), (15, 2), (20, 1)]
    assert not p.advancing
    assert p.base.speed == 1.0 and p.base.vmono == START + 100
    assert p.wall(START) == WALL + 100
    assert p.wall(START + 2) == WALL + 102  # flowing again


def test_advance_with_no_worker_just_moves_the_clock() -> None:
    p = policy(instant=False)
    p.advance(3600, START)
    assert not p.advancing and p.wall(START) == WALL + 3600


def test_set_wall_later_is_an_advance_and_earlier_moves_only_the_offset() -> None:
    p = policy()
    p.set_wall(WALL + 60, START)
    assert p.wall(START) == WALL + 60 and p.floor == START + 60
    p.add_worker(1, 1, START)
    grants = p.set_wall(WALL - 3600, START)
    assert p.wall(START) == WALL - 3600
    assert p.floor == START + 60  # virtual time did not go back
    assert [g.base.offset for g in grants] == [WALL - 3600 - (START + 60)]


def test_the_floor_and_the_seq_never_go_back() -> None:
    p = policy()
    sim = Sim(p, {1: [5, 10], 2: [7]})
    seqs = []
    floors = []
    for wid in (1, 2):
        sim.report(wid)
    while sim.inbox:
        g = sim.inbox.pop(0)
        seqs.append(g.seq)
        floors.append(p.floor)
        sim.seen[g.worker_id] += 1
        sim.horizon[g.worker_id] = g.horizon
        sim.run_worker(g.worker_id)
    assert seqs == sorted(seqs) and floors == sorted(floors)


def test_real_clock_sends_nothing_until_it_is_set() -> None:
    p = policy(instant=False, real=True)
    assert p.add_worker(1, 1, START) is None
    assert p.frame_sending(1, 1, START) == []
    grants = p.advance(10, START + 1)
    assert [g.worker_id for g in grants] == [1]
    assert not p.real and grants[0].base.speed == 0


def test_frame_sending_resyncs_a_worker_with_an_old_base() -> None:
    p = policy()
    p.add_worker(1, 1, START)
    p.add_worker(2, 1, START)
    p.idle(2, 1, 0, START, None, START)
    p.idle(1, 1, 0, START, START + 50, START)  # granted: runs to 50 and beyond
    p.idle(1, 1, 1, START + 50, None, START)
    grants = p.frame_sending(2, 1, START)
    assert [g.base.vmono for g in grants] == [START + 50]


def test_bad_numbers_are_refused() -> None:
    p = policy()
    with pytest.raises(ValueError):
        p.advance(-1, START)
    with pytest.raises(ValueError):
        p.advance(math.nan, START)
    with pytest.raises(ValueError):
        TimePolicy(TimeBase(0, 0, 1, 0), speed=0)
    for bad in ("tomorrow", "2027-13-01 00:00", True, None, -5, [1]):
        with pytest.raises(ValueError):
            parse_wall_time(bad)


def test_time_base_maps_monotonic_readings() -> None:
    base = TimeBase(100.0, 10.0, 60.0, 5.0)
    assert base.vmono_at(11.0) == 160.0 and base.wall_at(11.0) == 165.0
    assert base.vmono_at(9.0) == 100.0  # never before its own start
    assert base.real_delay(220.0, 10.0) == 2.0
    frozen = base.anchored(11.0, speed=0.0)
    assert frozen.vmono_at(99.0) == 160.0 and frozen.real_delay(161.0, 99.0) is None


def test_sun_hours_in_berlin() -> None:
    from datetime import date

    assert sun_hours(date(2027, 1, 4), 52.52, 13.405, 3600) == ("08:17", "16:05")
    rise, set_ = sun_hours(date(2027, 6, 21), 52.52, 13.405, 7200)
    assert rise < "05:00" and set_ > "21:00"
    assert sun_hours(date(2027, 6, 21), 78.2, 15.6, 7200) == ("00:00", "23:59")


def test_an_expected_worker_holds_the_others_back_until_it_loads_or_fails() -> None:
    p = policy()
    p.add_worker(1, 1, START)
    p.expect_worker(2)  # in the table, not spawned yet
    assert p.idle(1, 1, 0, START, START + 3600, START) == []
    p.add_worker(2, 4, START)  # loads as generation 4: still busy
    assert p.workers[2].generation == 4 and not p.workers[2].idle
    grants = p.idle(2, 4, 0, START, None, START)
    assert [(g.worker_id, g.horizon) for g in grants] == [(1, math.inf)]
    p.expect_worker(3)
    assert p.remove_worker(3, 9, START) == [] and 3 not in p.workers  # its spawn failed


def test_a_worker_that_ran_ahead_and_ends_leaves_the_clock_where_it_got() -> None:
    p = policy()
    p.add_worker(1, 1, START)
    p.idle(1, 1, 0, START + 86400, None, START)  # its last report: a day later, nothing left
    p.remove_worker(1, 1, START)
    assert p.floor == START + 86400 and p.wall(START) == WALL + 86400
    assert p.add_worker(1, 2, START)["vmono"] == START + 86400  # type: ignore[index]


def test_clock_settings_read_the_command_line_then_the_environment() -> None:
    from plua2.supervisor.hc3_clock import ClockSettings

    env = {"PLUA2_SPEED": "60", "PLUA2_INSTANT": "yes", "PLUA2_START": "2027-01-04 00:00"}
    settings = ClockSettings.from_args(None, False, None, env)
    assert (settings.speed, settings.instant, settings.start) == (60.0, True, WALL)
    settings = ClockSettings.from_args(2.0, False, "2027-01-05 00:00", {})
    assert (settings.speed, settings.instant, settings.start) == (2.0, False, WALL + 86400)
    assert ClockSettings.from_args(None, False, None, {}).real
    for bad in ({"PLUA2_SPEED": "fast"}, {"PLUA2_SPEED": "-1"}, {"PLUA2_START": "soon"}):
        with pytest.raises(ValueError):
            ClockSettings.from_args(None, False, None, bad)
