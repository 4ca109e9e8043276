"""Real processes misbehaving: each test under an absolute deadline, each leaving nothing behind."""

from __future__ import annotations

import os
import signal

import psutil
import trio
from plua2.supervisor.policy import RestartPolicy, WorkerState
from plua2.supervisor.worker_task import WorkerSpec
from plua2.supervisor.workers import open_worker_table
from process_helpers import FakeWorkerSpawner, Recorder, RoutingSpawner, until

FAST = RestartPolicy(backoff_initial=0.05, backoff_max=0.5, ping_interval=0.2, pong_timeout=2.0)
IDLE = "setInterval(function() end, 1000)"


def spec(
    worker_id: int, source: str = IDLE, policy: RestartPolicy = FAST, **options: object
) -> WorkerSpec:
    return WorkerSpec(
        id=worker_id,
        name=f"w{worker_id}",
        source=source,
        chunkname=f"=w{worker_id}",
        options=options,
        policy=policy,
    )


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


async def test_a_worker_that_exits_is_restarted_with_backoff_while_another_keeps_answering(zygote):
    with trio.fail_after(20):
        async with open_worker_table(zygote) as table:
            table.add(spec(1, "setTimeout(function() os.exit(3) end, 100)"))
            table.add(spec(2))
            await table.wait_state(2, WorkerState.RUNNING, 10)
            steady_pid = table.info(2)["pid"]
            answers = 0
            while table.info(1)["restarts"] < 3:
                assert await table.get(2).request("eval", ["return 40 + 2"], timeout=2) == [42]
                answers += 1
                await trio.sleep(0.05)
            assert answers >= 3
            assert table.info(1)["generation"] >= 3
            assert table.info(1)["last_exit"] is not None
            assert table.info(2)["pid"] == steady_pid and table.info(2)["restarts"] == 0


async def test_busy_loops_cost_one_callback_not_the_worker(zygote):
    source = """
        setTimeout(function() while true do end end, 10)
        setTimeout(function() pcall(function() while true do end end) end, 20)
        setTimeout(function()
          local co = coroutine.create(function() while true do end end)
          coroutine.resume(co)
        end, 30)
        setTimeout(function() print("still alive") end, 40)
    """
    recorder = Recorder()
    with trio.fail_after(20):
        async with open_worker_table(zygote, recorder) as table:
            table.add(spec(1, source, budget=0.2))
            await until(lambda: "still alive" in recorder.printed(1))
            assert [e.where for _, e in recorder.errors] == ["budget", "budget", "budget"]
            assert await table.get(1).request("eval", ["return 1 + 1"], timeout=2) == [2]
            assert table.info(1)["restarts"] == 0


async def test_a_worker_that_ignores_shutdown_and_sigterm_is_killed_within_the_grace():
    policy = RestartPolicy(shutdown_grace=0.3, kill_grace=0.3, ping_interval=0.2)
    with trio.fail_after(15):
        async with open_worker_table(FakeWorkerSpawner("stubborn")) as table:
            table.add(spec(1, policy=policy))
            await table.wait_state(1, WorkerState.RUNNING, 10)
            pid = table.info(1)["pid"]
            started = trio.current_time()
            table.stop(1)
            await table.wait_state(1, WorkerState.STOPPED, 5)
            assert trio.current_time() - started < 0.3 + 0.3 + 0.5
            assert gone(pid)


async def test_a_stopped_sigstop_worker_is_killed_within_the_grace(zygote):
    policy = RestartPolicy(shutdown_grace=0.3, kill_grace=0.3, ping_interval=0.2)
    with trio.fail_after(15):
        async with open_worker_table(zygote) as table:
            table.add(spec(1, policy=policy))
            await table.wait_state(1, WorkerState.RUNNING, 10)
            pid = table.info(1)["pid"]
            os.kill(pid, signal.SIGSTOP)
            started = trio.current_time()
            table.stop(1)
            await table.wait_state(1, WorkerState.STOPPED, 5)
            assert trio.current_time() - started < 0.3 + 0.3 + 0.5
            assert gone(pid)


async def test_a_crash_loop_parks_only_that_worker_in_fatal(zygote):
    policy = RestartPolicy(backoff_initial=0.02, max_restarts=3, restart_window=30)
    with trio.fail_after(20):
        async with open_worker_table(zygote) as table:
            table.add(spec(1, "os.exit(1)", policy=policy))
            table.add(spec(2))
            await table.wait_state(2, WorkerState.RUNNING, 10)
            steady_pid = table.info(2)["pid"]
            await table.wait_state(1, WorkerState.FATAL, 15)
            await trio.sleep(0.3)
            assert table.info(1)["state"] == "fatal" and table.info(1)["pid"] is None
            assert table.info(2)["state"] == "running" and table.info(2)["pid"] == steady_pid
            table.start(1)  # an explicit start leaves FATAL
            assert table.info(1)["state"] == "starting"


async def test_garbage_from_a_worker_restarts_that_worker_only(zygote):
    spawner = RoutingSpawner(zygote, w1=FakeWorkerSpawner("garbage"))
    with trio.fail_after(20):
        async with open_worker_table(spawner) as table:
            table.add(spec(1))
            table.add(spec(2))
            await table.wait_state(2, WorkerState.RUNNING, 10)
            steady_pid = table.info(2)["pid"]
            await until(lambda: table.info(1)["restarts"] >= 2)
            assert "protocol" in (table.info(1)["last_error"] or "").lower()
            assert table.info(2)["pid"] == steady_pid and table.info(2)["restarts"] == 0


async def test_a_restart_gives_a_new_generation_and_leaves_the_others_alone(zygote):
    with trio.fail_after(20):
        async with open_worker_table(zygote) as table:
            for worker_id in (1, 2, 3):
                table.add(spec(worker_id))
            for worker_id in (1, 2, 3):
                await table.wait_state(worker_id, WorkerState.RUNNING, 10)
            before = {i: table.info(i)["pid"] for i in (1, 2, 3)}
            table.restart(2)
            await until(
                lambda: table.info(2)["generation"] >= 2 and table.info(2)["state"] == "running"
            )
            assert gone(before[2]) and table.info(2)["pid"] != before[2]
            assert table.info(1)["pid"] == before[1] and table.info(3)["pid"] == before[3]
            assert await table.get(2).request("eval", ["return 'new'"], timeout=2) == ["new"]


async def test_fifty_workers_start_and_all_stop_within_3s_leaving_nothing(zygote):
    fds_before = len(os.listdir("/proc/self/fd"))
    with trio.fail_after(60):
        async with open_worker_table(zygote) as table:
            for worker_id in range(50):
                table.add(spec(worker_id))
            for worker_id in range(50):
                await table.wait_state(worker_id, WorkerState.RUNNING, 50)
            pids = [table.info(i)["pid"] for i in range(50)]
            started = trio.current_time()
            assert await table.stop_all(3.0) == []
            assert trio.current_time() - started < 3.0
            assert all(table.info(i)["state"] == "stopped" for i in range(50))
    await trio.sleep(0.1)  # the zygote reports exits asynchronously; let it reap
    assert [pid for pid in pids if not gone(pid)] == []
    assert len(os.listdir("/proc/self/fd")) <= fds_before


async def test_a_dead_zygote_falls_back_to_exec_and_workers_come_back(zygote):
    with trio.fail_after(30):
        async with open_worker_table(zygote) as table:
            table.add(spec(1))
            await table.wait_state(1, WorkerState.RUNNING, 10)
            first_pid = table.info(1)["pid"]
            zygote_pid = psutil.Process(first_pid).ppid()
            os.kill(zygote_pid, signal.SIGKILL)
            await until(
                lambda: (
                    table.info(1)["pid"] not in (None, first_pid)
                    and table.info(1)["state"] == "running"
                )
            )
            assert not zygote.alive
            assert psutil.Process(table.info(1)["pid"]).ppid() == os.getpid()  # exec'd by us
