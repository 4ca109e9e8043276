"""Worker tasks and the worker table over fake processes, on trio's MockClock (autojump)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import pytest
import trio
import trio.testing
from plua2.shared.messages import Error, Hello, Load, Log, Pong, Request, Response
from plua2.supervisor import errors, lifecycle, policy, worker_task, workers
from plua2.supervisor.errors import (
    RequestFailed,
    RequestTimeout,
    UnknownWorker,
    WaitTimeout,
    WorkerGone,
    WorkerNotRunning,
)
from plua2.supervisor.policy import SIGKILL, SIGTERM, WorkerState
from plua2.supervisor.worker_task import WorkerTask
from supervision_fakes import FakeBehaviour, FakeSpawner, RecordingListener, spec, supervised

S = WorkerState
Clock = trio.testing.MockClock


def generation_is(generation: int) -> Callable[[WorkerTask], bool]:
    return lambda task: task.generation == generation


async def test_a_worker_gets_its_code_then_runs_and_answers_pings(autojump_clock: Clock) -> None:
    async with supervised() as rig:
        task = rig.table.add(spec(1))
        assert await rig.table.wait_state(1, S.RUNNING, timeout=1) is S.RUNNING
        proc = rig.spawner.latest(1)
        load = proc.received[0]
        assert load == Load(1, "print('hi')", "qa1.lua", {"deviceId": 1})
        await trio.sleep(10)
        assert proc.pongs >= 9 and task.state is S.RUNNING
        info = rig.table.info(1)
        assert info["state"] == "running" and info["pid"] == proc.pid
        assert info["generation"] == 1 and info["restarts"] == 0
        assert info["uptime"] == pytest.approx(10, abs=0.1)
        assert info["cpu_percent"] is None and info["rss_bytes"] is None  # pid does not exist
        assert rig.listener.path(1) == [S.STOPPED, S.STARTING, S.RUNNING]


async def test_a_crash_is_restarted_with_backoff_while_another_worker_keeps_answering(
    autojump_clock: Clock,
) -> None:
    async with supervised() as rig:
        t1, t2 = rig.table.add(spec(1)), rig.table.add(spec(2))
        await t1.wait_state(S.RUNNING, 1)
        await t2.wait_state(S.RUNNING, 1)
        p2 = rig.spawner.latest(2)
        for crash in range(3):
            pongs_before = p2.pongs
            crashed_at = trio.current_time()
            rig.spawner.latest(1).exit(1)
            await t1.wait_until(generation_is(crash + 2), 1)
            spawned_at = trio.current_time()
            assert spawned_at - crashed_at == pytest.approx(0.1 * 2**crash, abs=0.01)
            await t1.wait_state(S.RUNNING, 1)
            await trio.sleep(3)
            assert p2.pongs >= pongs_before + 2
        assert t1.lifecycle.restarts == 3 and t1.lifecycle.last_exit == 1
        assert rig.listener.path(1)[-4:] == [S.CRASHED, S.BACKOFF, S.STARTING, S.RUNNING]
        assert t2.generation == 1 and t2.pid == p2.pid and p2.alive
        assert rig.listener.path(2) == [S.STOPPED, S.STARTING, S.RUNNING]
        assert all(p.closed for p in rig.spawner.processes.values() if not p.alive)


async def test_a_hung_worker_is_killed_and_replaced(autojump_clock: Clock) -> None:
    async with supervised() as rig:
        rig.spawner.behaviours[1] = FakeBehaviour(answer_pings=False)
        task = rig.table.add(spec(1, ping_interval=1.0, pong_timeout=5.0))
        await task.wait_state(S.RUNNING, 1)
        ready_at = trio.current_time()
        hung = rig.spawner.latest(1)
        rig.spawner.behaviours[1] = FakeBehaviour()  # the next incarnation behaves
        await task.wait_until(lambda t: t.generation == 2, 10)
        assert trio.current_time() - ready_at == pytest.approx(1.0 + 5.0 + 0.1, abs=0.01)
        assert hung.signals == [SIGKILL] and hung.returncode == -SIGKILL and hung.closed
        assert S.HUNG in rig.listener.path(1)
        assert task.lifecycle.last_error == "no pong within 5 s"
        await task.wait_state(S.RUNNING, 1)


async def test_a_worker_that_never_gets_ready_is_killed_after_the_start_timeout(
    autojump_clock: Clock,
) -> None:
    async with supervised() as rig:
        rig.spawner.behaviours[1] = FakeBehaviour(ready=False)
        task = rig.table.add(spec(1, start_timeout=30.0))
        await trio.sleep(29)
        assert task.state is S.STARTING and rig.spawner.latest(1).signals == []
        await task.wait_until(lambda t: t.generation == 2, 2)
        assert rig.spawner.process(1, 1).signals == [SIGKILL]
        assert task.lifecycle.last_error == "not ready within 30 s"


async def test_garbage_restarts_only_that_worker(autojump_clock: Clock) -> None:
    async with supervised() as rig:
        rig.spawner.behaviours[1] = FakeBehaviour(garbage_after_ready=True)
        t1, t2 = rig.table.add(spec(1)), rig.table.add(spec(2))
        await t2.wait_state(S.RUNNING, 1)
        p2 = rig.spawner.latest(2)
        await t1.wait_until(lambda t: t.generation >= 2, 1)
        rig.spawner.behaviours[1] = FakeBehaviour()
        await t1.wait_until(lambda t: t.generation >= 3 or t.state is S.RUNNING, 5)
        bad = rig.spawner.process(1, 1)
        assert bad.signals == [SIGKILL] and bad.closed
        assert (t1.lifecycle.last_error or "").startswith("protocol error:")
        assert S.CRASHED in rig.listener.path(1)
        await t1.wait_state(S.RUNNING, 5)
        assert t2.generation == 1 and t2.state is S.RUNNING and p2.signals == []


async def test_a_wrong_protocol_version_is_a_protocol_error(autojump_clock: Clock) -> None:
    async with supervised() as rig:
        rig.spawner.behaviours[1] = FakeBehaviour(protocol=99)
        task = rig.table.add(spec(1))
        await task.wait_until(lambda t: t.generation == 2, 1)
        assert task.lifecycle.last_error == "protocol error: protocol 99, expected 1"


async def test_messages_of_another_generation_are_dropped(autojump_clock: Clock) -> None:
    async with supervised() as rig:
        task = rig.table.add(spec(1))
        await task.wait_state(S.RUNNING, 1)
        proc = rig.spawner.latest(1)
        proc.send(Log(7, "print", "from nowhere"))
        proc.send(Pong(0, 1))
        proc.send(Hello(2, 1, 1))
        proc.send(Log(1, "debug", "mine"))
        await trio.sleep(1)
        assert task.stale_messages == 3
        assert [log.text for _, log in rig.listener.logs] == ["mine"]
        assert task.state is S.RUNNING and task.generation == 1


async def test_stop_all_is_parallel_and_bounded(autojump_clock: Clock) -> None:
    async with supervised() as rig:
        for i in range(1, 51):
            if i % 3 == 1:
                rig.spawner.behaviours[i] = FakeBehaviour(honour_shutdown=False)
            elif i % 3 == 2:
                rig.spawner.behaviours[i] = FakeBehaviour(
                    honour_shutdown=False, honour_sigterm=False
                )
            rig.table.add(spec(i))
        for i in range(1, 51):
            await rig.table.wait_state(i, S.RUNNING, 5)
        started = trio.current_time()
        assert await rig.table.stop_all(timeout=3.0) == []
        assert trio.current_time() - started <= 3.0
        assert {info["state"] for info in rig.table.infos()} == {"stopped"}
        assert rig.spawner.live() == []
        await trio.sleep(1)  # let every incarnation close its pipes
        for (wid, _), proc in rig.spawner.processes.items():
            assert proc.closed
            expected = {0: [], 1: [SIGTERM], 2: [SIGTERM, SIGKILL]}[wid % 3]
            assert proc.signals == expected, wid


async def test_stop_all_reports_what_could_not_be_stopped(autojump_clock: Clock) -> None:
    async with supervised(stop_timeout=1.0) as rig:
        rig.spawner.behaviours[1] = FakeBehaviour(spawn_delay=100.0)
        rig.table.add(spec(1))
        rig.table.add(spec(2))
        await rig.table.wait_state(2, S.RUNNING, 1)
        assert await rig.table.stop_all(timeout=1.0) == [1]
        assert rig.table.info(2)["state"] == "stopped"


async def test_stop_uses_shutdown_then_the_graces(autojump_clock: Clock) -> None:
    async with supervised() as rig:
        rig.spawner.behaviours[1] = FakeBehaviour(honour_shutdown=False, honour_sigterm=False)
        task = rig.table.add(spec(1, shutdown_grace=2.0, kill_grace=1.0))
        await task.wait_state(S.RUNNING, 1)
        started = trio.current_time()
        rig.table.stop(1)
        await task.wait_state(S.STOPPED, 10)
        assert trio.current_time() - started == pytest.approx(3.0)
        assert rig.spawner.latest(1).signals == [SIGTERM, SIGKILL]
        await trio.sleep(10)
        assert task.state is S.STOPPED and task.generation == 1
        rig.spawner.behaviours[1] = FakeBehaviour()
        rig.table.start(1)
        await task.wait_state(S.RUNNING, 1)
        assert task.generation == 2


async def test_restart_gives_a_new_generation_and_pid_and_leaves_the_others(
    autojump_clock: Clock,
) -> None:
    async with supervised() as rig:
        t1, t2 = rig.table.add(spec(1)), rig.table.add(spec(2))
        await t1.wait_state(S.RUNNING, 1)
        await t2.wait_state(S.RUNNING, 1)
        old_pid, other_pid = t1.pid, t2.pid
        rig.table.restart(1)
        assert t1.state is S.STOPPING
        await t1.wait_state(S.RUNNING, 5)
        assert t1.generation == 2 and t1.pid not in (old_pid, None)
        assert rig.spawner.process(1, 1).returncode == 0  # asked politely, it left
        assert t2.generation == 1 and t2.pid == other_pid
        assert t1.lifecycle.restarts == 0


async def test_requests_into_the_worker(autojump_clock: Clock) -> None:
    async with supervised() as rig:
        task = rig.table.add(spec(1))
        with pytest.raises(WorkerNotRunning):
            await task.request("echo", [1])
        await task.wait_state(S.RUNNING, 1)
        assert await task.request("echo", [1, "two", {"3": 4}]) == [1, "two", {"3": 4}]
        assert await task.request("sleep", [2.0], timeout=5) == "slept"
        with pytest.raises(RequestFailed, match="it failed"):
            await task.request("fail")
        started = trio.current_time()
        with pytest.raises(RequestTimeout):
            await task.request("never answered", timeout=2.5)
        assert trio.current_time() - started == pytest.approx(2.5)
        task.notify("fire", [1])
        await trio.sleep(0.1)
        assert Request(1, 0, "fire", [1]) in rig.spawner.latest(1).received
        assert task._pending == {}


async def test_a_request_pending_when_the_worker_dies_fails_at_once(autojump_clock: Clock) -> None:
    async with supervised() as rig:
        task = rig.table.add(spec(1))
        await task.wait_state(S.RUNNING, 1)
        proc = rig.spawner.latest(1)

        async def crash_soon() -> None:
            await trio.sleep(1)
            proc.exit(3)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(crash_soon)
            started = trio.current_time()
            with pytest.raises(WorkerGone):
                await task.request("never answered", timeout=30)
            assert trio.current_time() - started == pytest.approx(1.0)
        rig.table.stop(1)
        with pytest.raises(WorkerNotRunning):
            task.notify("x")


async def test_requests_from_the_worker_are_answered_by_the_listener(
    autojump_clock: Clock,
) -> None:
    async with supervised() as rig:
        task = rig.table.add(spec(1))
        await task.wait_state(S.RUNNING, 1)
        proc = rig.spawner.latest(1)
        proc.send(Request(1, 10, "slow", [20.0]))  # a slow answer must not stall the reader
        proc.send(Request(1, 11, "add", [1, 2, 3]))
        proc.send(Request(1, 12, "nope", []))
        proc.send(Request(1, 13, "object", []))
        proc.send(Request(1, 0, "add", [1]))  # a notification: no answer
        await trio.sleep(1)
        responses = {m.rid: m for m in proc.received if isinstance(m, Response)}
        assert responses[11] == Response(1, 11, True, 6)
        assert responses[12] == Response(1, 12, False, "unknown method 'nope'")
        assert not responses[13].ok and "unencodable result" in responses[13].result
        assert 10 not in responses and 0 not in responses
        pongs = proc.pongs
        await trio.sleep(19.5)
        assert responses.keys() == {11, 12, 13}
        assert proc.pongs >= pongs + 18 and task.state is S.RUNNING
        responses = {m.rid: m for m in proc.received if isinstance(m, Response)}
        assert responses[10] == Response(1, 10, True, "done")


async def test_stderr_logs_and_errors_reach_the_listener(autojump_clock: Clock) -> None:
    async with supervised() as rig:
        task = rig.table.add(spec(1))
        await task.wait_state(S.RUNNING, 1)
        proc = rig.spawner.latest(1)
        proc.send(Log(1, "debug", "hello", "QA"))
        proc.send(Error(1, "callback", "boom", "traceback..."))
        proc.write_stderr(b"line one\nline t")
        proc.write_stderr(b"wo\r\n\xff bad utf8\nno newline")
        await trio.sleep(0.5)
        proc.exit(1)
        await task.wait_until(lambda t: t.generation == 2, 1)
        assert rig.listener.stderr == [
            (1, "line one"),
            (1, "line two"),
            (1, "\ufffd bad utf8"),
            (1, "no newline"),
        ]
        assert [log for _, log in rig.listener.logs] == [Log(1, "debug", "hello", "QA")]
        assert [err.message for _, err in rig.listener.errors] == ["boom"]
        assert task.lifecycle.last_error == "exited with status 1"


async def test_a_failing_spawner_backs_off_then_parks_only_that_worker(
    autojump_clock: Clock,
) -> None:
    async with supervised() as rig:
        rig.spawner.behaviours[1] = FakeBehaviour(fail_spawn=True)
        t1 = rig.table.add(spec(1, max_restarts=3))
        t2 = rig.table.add(spec(2))
        await t1.wait_state(S.FATAL, 5)
        assert rig.spawner.spawns >= 4
        assert "crash loop" in (t1.lifecycle.last_error or "")
        assert "spawn failed: OSError: fake: cannot fork" in (t1.lifecycle.last_error or "")
        await trio.sleep(5)
        assert t2.state is S.RUNNING and t2.generation == 1
        rig.spawner.behaviours[1] = FakeBehaviour()
        rig.table.start(1)  # an explicit start leaves FATAL
        await t1.wait_state(S.RUNNING, 1)


async def test_a_spawn_that_hangs_is_bounded_by_the_start_timeout(autojump_clock: Clock) -> None:
    async with supervised() as rig:
        rig.spawner.behaviours[1] = FakeBehaviour(spawn_delay=1000.0)
        task = rig.table.add(spec(1, start_timeout=5.0))
        await task.wait_state(S.BACKOFF, 6)
        assert task.lifecycle.last_error == "spawn failed: no process after 5 s"


async def test_remove_stops_and_forgets_a_worker(autojump_clock: Clock) -> None:
    async with supervised() as rig:
        rig.table.add(spec(1))
        rig.table.add(spec(2))
        await rig.table.wait_state(1, S.RUNNING, 1)
        await rig.table.remove(1)
        assert 1 not in rig.table and len(rig.table) == 1 and rig.table.ids() == [2]
        assert rig.spawner.process(1, 1).closed and not rig.spawner.process(1, 1).alive
        with pytest.raises(UnknownWorker):
            rig.table.info(1)
        with pytest.raises(ValueError):
            rig.table.add(spec(2))


async def test_wait_state_times_out_clearly(autojump_clock: Clock) -> None:
    async with supervised() as rig:
        rig.table.add(spec(1), start=False)
        with pytest.raises(WaitTimeout, match="worker 1: not running after 2 s"):
            await rig.table.wait_state(1, S.RUNNING, 2)


async def test_info_reads_cpu_and_rss_of_a_real_pid(autojump_clock: Clock) -> None:
    async with supervised() as rig:
        rig.spawner.behaviours[1] = FakeBehaviour(pid=os.getpid())
        rig.table.add(spec(1))
        await rig.table.wait_state(1, S.RUNNING, 1)
        first = rig.table.infos()[0]
        assert first["pid"] == os.getpid()
        assert first["rss_bytes"] > 1_000_000 and first["cpu_percent"] is not None
        assert rig.table.info(1)["rss_bytes"] == first["rss_bytes"]  # cached


async def test_cancelling_the_worker_task_kills_and_reaps_its_process(
    autojump_clock: Clock,
) -> None:
    async with trio.open_nursery() as fakes:
        spawner = FakeSpawner(fakes)
        rig_listener = RecordingListener()
        task = WorkerTask(spec(1), spawner, rig_listener)
        task.start()  # before run(): the spawn waits for the task's nursery
        async with trio.open_nursery() as nursery:
            nursery.start_soon(task.run)
            await task.wait_state(S.RUNNING, 1)
            nursery.cancel_scope.cancel()
        proc = spawner.latest(1)
        assert proc.signals == [SIGKILL] and proc.closed
        fakes.cancel_scope.cancel()


async def test_a_failing_listener_does_not_take_the_supervisor_down(
    autojump_clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(RecordingListener):
        def on_state(self, *args: object) -> None:  # type: ignore[override]
            raise RuntimeError("listener bug")

    async with trio.open_nursery() as fakes:
        spawner = FakeSpawner(fakes)
        async with trio.open_nursery() as nursery:
            task = WorkerTask(spec(1), spawner, Broken())
            nursery.start_soon(task.run)
            task.start()
            await task.wait_state(S.RUNNING, 1)
            task.stop()
            await task.wait_state(S.STOPPED, 5)
            task.cancel()
        fakes.cancel_scope.cancel()
    assert "listener bug" in caplog.text


async def test_a_listener_may_command_the_worker_from_on_state(autojump_clock: Clock) -> None:
    class StopWhenRunning(RecordingListener):
        def __init__(self) -> None:
            super().__init__()
            self.task: WorkerTask | None = None

        def on_state(self, worker_id: int, old: S, new: S, info: Mapping[str, Any]) -> None:
            super().on_state(worker_id, old, new, info)
            if new is S.RUNNING and self.task is not None:
                self.task.stop()  # queued behind the change being reported, never nested

    async with trio.open_nursery() as fakes:
        listener = StopWhenRunning()
        task = WorkerTask(spec(1), FakeSpawner(fakes), listener)
        listener.task = task
        async with trio.open_nursery() as nursery:
            nursery.start_soon(task.run)
            task.start()
            await task.wait_state(S.STOPPED, 5)
            task.cancel()
        assert listener.path(1) == [S.STOPPED, S.STARTING, S.RUNNING, S.STOPPING, S.STOPPED]
        fakes.cancel_scope.cancel()


@pytest.mark.parametrize("module", [policy, lifecycle, errors, worker_task, workers])
def test_all_lists_the_public_names(module: ModuleType) -> None:
    defined_here = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == module.__name__
    }
    assert defined_here <= set(module.__all__)
    assert all(hasattr(module, name) for name in module.__all__)
