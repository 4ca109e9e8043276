"""TimerQueue: pure ordering and cancelling rules."""

from __future__ import annotations

import pytest
from plua2.worker.timers import TimerQueue


def drain(queue: TimerQueue, now: float) -> list[int]:
    out = []
    while (timer := queue.pop_due(now)) is not None:
        out.append(timer.ref)
    return out


def test_due_timers_come_out_by_due_time_then_creation_order() -> None:
    q = TimerQueue()
    late = q.add(2.0)
    a = q.add(1.0)
    b = q.add(1.0)
    c = q.add(1.0)
    assert drain(q, 1.5) == [a, b, c]
    assert drain(q, 2.0) == [late]
    assert len(q) == 0


def test_nothing_due_before_its_time() -> None:
    q = TimerQueue()
    q.add(5.0)
    assert q.pop_due(4.999) is None
    assert q.next_due() == 5.0


def test_cancelled_timer_never_comes_out() -> None:
    q = TimerQueue()
    a = q.add(1.0)
    b = q.add(1.0)
    assert q.cancel(a)
    assert not q.cancel(a)
    assert a not in q and b in q
    assert drain(q, 10) == [b]


def test_refs_are_never_reused() -> None:
    q = TimerQueue()
    refs = {q.add(0.0) for _ in range(10)}
    drain(q, 1)
    assert q.add(0.0) not in refs


def test_interval_stays_live_until_rescheduled_or_cancelled() -> None:
    q = TimerQueue()
    ref = q.add(1.0, interval=1.0)
    timer = q.pop_due(1.0)
    assert timer is not None and timer.interval == 1.0
    assert len(q) == 1 and q.next_due() is None
    assert q.reschedule(ref, 2.0)
    assert q.next_due() == 2.0
    timer = q.pop_due(2.0)
    assert q.cancel(ref)  # cancelled from inside its own callback
    assert not q.reschedule(ref, 3.0)
    assert len(q) == 0 and q.next_due() is None


def test_negative_interval_is_refused() -> None:
    with pytest.raises(ValueError):
        TimerQueue().add(0.0, interval=-1.0)


def test_many_cancelled_timers_do_not_pile_up() -> None:
    q = TimerQueue()
    keep = q.add(1000.0)
    for _ in range(10_000):
        q.cancel(q.add(500.0))
    assert len(q._heap) < 3000
    assert drain(q, 2000.0) == [keep]


def test_next_due_skips_cancelled_heads() -> None:
    q = TimerQueue()
    a = q.add(1.0)
    q.add(2.0)
    q.cancel(a)
    assert q.next_due() == 2.0
