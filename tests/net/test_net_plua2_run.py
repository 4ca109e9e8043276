"""`plua2 run -e` subprocesses: an operation in flight keeps the script alive until its callback."""

from __future__ import annotations

import subprocess
import sys

import trio
from net_helpers import start_http, start_tcp_echo, start_ws_echo

RUN_LIMIT = 30


async def plua2_run(code: str) -> subprocess.CompletedProcess[bytes]:
    with trio.fail_after(RUN_LIMIT):
        return await trio.run_process(
            [sys.executable, "-m", "plua2", "run", "-e", code],
            capture_stdout=True,
            capture_stderr=True,
            check=False,
        )


async def test_a_script_with_an_http_request_in_flight_waits_for_its_callback() -> None:
    async with trio.open_nursery() as nursery:
        port = await start_http(nursery)
        done = await plua2_run(
            f"""
            net.HTTPClient():request("http://127.0.0.1:{port}/delay", {{
              success = function(r) print("status " .. r.status) end,
              error = function(e) print("error " .. e) end,
            }})
            print("sent")
            """
        )
        nursery.cancel_scope.cancel()
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines() == ["sent", "status 200"]


async def test_a_script_with_sockets_ends_once_they_are_closed() -> None:
    async with trio.open_nursery() as nursery:
        tcp = await start_tcp_echo(nursery)
        ws = await start_ws_echo(nursery)
        done = await plua2_run(
            f"""
            local s = net.TCPSocket()
            s:connect("127.0.0.1", {tcp}, {{success = function()
              s:write("ping\\n")
              s:readUntil("\\n", {{success = function(d) print("tcp " .. d) s:close() end}})
            end}})
            local w = net.WebSocketClient()
            w:addEventListener("connected", function() w:send("hi") end)
            w:addEventListener("dataReceived", function(d) print("ws " .. d) w:close() end)
            w:addEventListener("disconnected", function() print("ws closed") end)
            w:connect("ws://127.0.0.1:{ws}/")
            """
        )
        nursery.cancel_scope.cancel()
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.decode().splitlines()) == ["tcp ping", "ws closed", "ws hi"]
