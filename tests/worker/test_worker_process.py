"""The worker as a process: frames over stdin/stdout, exit codes. Each test under fail_after."""

from __future__ import annotations

import os

import trio
from plua2.shared.messages import (
    PROTOCOL_VERSION,
    Error,
    Hello,
    Load,
    Log,
    Ping,
    Pong,
    Ready,
    Request,
    Response,
    Shutdown,
)
from worker_helpers import WorkerProcess

LIMIT = 15


async def test_hello_load_ready_and_exit_when_idle(worker: WorkerProcess) -> None:
    with trio.fail_after(LIMIT):
        hello = await worker.receive()
        assert hello == Hello(7, PROTOCOL_VERSION, worker.process.pid)
        await worker.send(Load(7, "print('hi', 1 + 1)", "main.lua", {"exit_when_idle": True}))
        assert await worker.receive() == Log(7, "print", "hi\t2", "")
        assert await worker.receive() == Ready(7)
        assert await worker.process.wait() == 0


async def test_ping_pong_eval_and_shutdown(worker: WorkerProcess) -> None:
    with trio.fail_after(LIMIT):
        await worker.load("x = 20")
        await worker.receive_until(Ready)
        await worker.send(Ping(7, 1))
        assert await worker.receive() == Pong(7, 1)
        await worker.send(Request(7, 5, "eval", ["x + 1"]))
        assert await worker.receive() == Response(7, 5, True, [21])
        await worker.send(Request(7, 6, "eval", ["error('nope')"]))
        response = await worker.receive()
        assert response.rid == 6 and response.ok is False and "nope" in response.result
        await worker.send(Request(7, 7, "frobnicate", []))
        assert await worker.receive() == Response(7, 7, False, "unknown method frobnicate")
        await worker.send(Shutdown(7))
        assert await worker.process.wait() == 0


async def test_callback_error_has_traceback_and_worker_goes_on(worker: WorkerProcess) -> None:
    with trio.fail_after(LIMIT):
        await worker.load(
            """
            local function fail() error("timer failed") end
            setTimeout(function() fail() end, 0)
            setTimeout(function() print("still running") end, 20)
            """,
            exit_when_idle=True,
        )
        error = await worker.receive_until(Error)
        assert error.where == "callback"
        assert "main.lua:2: timer failed" in error.message
        assert "stack traceback" in error.traceback and "main.lua" in error.traceback
        assert await worker.receive_until(Log) == Log(7, "print", "still running", "")
        assert await worker.process.wait() == 0


async def test_runtime_error_in_main_chunk_is_init_error_then_ready(worker: WorkerProcess) -> None:
    with trio.fail_after(LIMIT):
        await worker.load("error('onInit broke')")
        error = await worker.receive()
        assert (
            isinstance(error, Error) and error.where == "init" and "onInit broke" in error.message
        )
        assert await worker.receive() == Ready(7)
        await worker.close_stdin()
        assert await worker.process.wait() == 0


async def test_syntax_error_is_load_error_and_exit_2(worker: WorkerProcess) -> None:
    with trio.fail_after(LIMIT):
        await worker.load("local = 1")
        error = await worker.receive()
        assert isinstance(error, Error) and error.where == "load" and "main.lua:1:" in error.message
        assert await worker.process.wait() == 2


async def test_bad_options_are_a_load_error(worker: WorkerProcess) -> None:
    with trio.fail_after(LIMIT):
        await worker.load("print(1)", sandbox="nope")
        error = await worker.receive()
        assert isinstance(error, Error) and error.where == "load" and "sandbox" in error.message
        assert await worker.process.wait() == 2


async def test_stdin_close_ends_the_worker(worker: WorkerProcess) -> None:
    with trio.fail_after(LIMIT):
        await worker.load("setInterval(function() end, 1000)")
        await worker.receive_until(Ready)
        await worker.close_stdin()
        assert await worker.process.wait() == 0


async def test_stdin_close_before_load_ends_the_worker(worker: WorkerProcess) -> None:
    with trio.fail_after(LIMIT):
        await worker.receive_until(Hello)
        await worker.close_stdin()
        assert await worker.process.wait() == 0


async def test_garbage_on_stdin_exits_3(worker: WorkerProcess) -> None:
    with trio.fail_after(LIMIT):
        await worker.load("setInterval(function() end, 1000)")
        await worker.receive_until(Ready)
        await worker.send_raw(b"\x00\x00\x00\x05\xc1\xc1\xc1\xc1\xc1")
        assert await worker.process.wait() == 3
        assert "protocol error" in await worker.stderr_text()


async def test_ping_answered_during_a_blocking_call_answered_late(worker: WorkerProcess) -> None:
    with trio.fail_after(LIMIT):
        await worker.load(
            """
            local value = _PY.call("api.get", {"/devices/1"})
            print("got", value.name)
            local ok, err = pcall(_PY.call, "api.get", {"/missing"})
            print("failed", err)
            """,
            exit_when_idle=True,
        )
        request = await worker.receive()
        assert isinstance(request, Request) and request.method == "api.get"
        assert request.params == ["/devices/1"] and request.rid != 0
        for seq in (1, 2, 3):
            await worker.send(Ping(7, seq))
            assert await worker.receive() == Pong(7, seq)
        await worker.send(Request(7, 9, "eval", ["1"]))  # buffered until the call returns
        await trio.sleep(0.1)
        await worker.send(Ping(7, 4))
        assert await worker.receive() == Pong(7, 4)
        await worker.send(Response(7, request.rid, True, {"name": "lamp"}))
        assert await worker.receive() == Log(7, "print", "got\tlamp", "")
        second = await worker.receive()
        assert isinstance(second, Request)
        await worker.send(Response(7, second.rid, False, "404 not found"))
        failed = await worker.receive()
        assert isinstance(failed, Log) and "404 not found" in failed.text
        assert await worker.receive() == Ready(7)
        assert await worker.receive() == Response(7, 9, True, [1])
        assert await worker.process.wait() == 0


async def test_ping_answered_during_sleep_and_shutdown_stops_it(worker: WorkerProcess) -> None:
    with trio.fail_after(LIMIT):
        await worker.load("_PY.sleep(60000) print('not reached')")
        await trio.sleep(0.2)
        await worker.send(Ping(7, 11))
        assert await worker.receive() == Pong(7, 11)
        await worker.send(Shutdown(7))
        assert await worker.process.wait() == 0
        assert all(not isinstance(m, Log) for m in worker.skipped)


async def test_budget_in_a_worker_process(worker: WorkerProcess) -> None:
    with trio.fail_after(LIMIT):
        await worker.load(
            "setTimeout(function() while true do end end, 0) setTimeout(function() print('after') end, 1)",
            exit_when_idle=True,
            budget=0.2,
        )
        error = await worker.receive_until(Error)
        assert error.where == "budget"
        assert await worker.receive_until(Log) == Log(7, "print", "after", "")
        assert await worker.process.wait() == 0


async def test_quickapp_os_exit_ends_the_worker_cleanly(worker: WorkerProcess) -> None:
    with trio.fail_after(LIMIT):
        await worker.load("setTimeout(function() os.exit(5) end, 0)", sandbox="quickapp")
        await worker.receive_until(Ready)
        log = await worker.receive()
        assert isinstance(log, Log) and "os.exit" in log.text
        assert await worker.process.wait() == 0


async def test_c_level_output_does_not_corrupt_the_channel(worker: WorkerProcess) -> None:
    with trio.fail_after(LIMIT):
        await worker.load(
            "io.write('raw C stdout\\n') io.stdout:flush() print('ok')", exit_when_idle=True
        )
        assert await worker.receive() == Log(7, "print", "ok", "")
        assert await worker.receive() == Ready(7)
        assert await worker.process.wait() == 0
        assert "raw C stdout" in await worker.stderr_text()


def test_main_is_importable_without_side_effects() -> None:
    import plua2.worker.main as worker_main

    assert callable(worker_main.main)
    assert os.get_blocking(0) or True  # importing did not touch the fds


FORK_SERVER = """
import os, sys
import lupa.lua53, msgpack, trio
import plua2.worker.main as worker_main
trio.run(trio.sleep, 0)  # the fork server itself may have used trio
pid = os.fork()
if pid == 0:
    os._exit(worker_main.main(["--generation", "7"]))
os.close(0)
os.close(1)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


async def test_main_works_in_a_forked_child() -> None:
    import sys

    process = await trio.lowlevel.open_process(
        [sys.executable, "-c", FORK_SERVER], stdin=-1, stdout=-1, stderr=None
    )
    worker = WorkerProcess(process)
    try:
        with trio.fail_after(LIMIT):
            hello = await worker.receive()
            assert isinstance(hello, Hello) and hello.pid != process.pid
            await worker.send(Load(7, "print('forked')", "main.lua", {"exit_when_idle": True}))
            assert await worker.receive() == Log(7, "print", "forked", "")
            assert await worker.receive() == Ready(7)
            assert await process.wait() == 0
    finally:
        with trio.CancelScope(shield=True), trio.move_on_after(10):
            await worker.aclose()
