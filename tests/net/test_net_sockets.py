"""net.TCPSocket, net.UDPSocket and net.WebSocketClient against local echo servers."""

from __future__ import annotations

import trio
from net_helpers import (
    free_port,
    run_lua,
    start_tcp_echo,
    start_tcp_silent,
    start_udp_echo,
    start_ws_echo,
)

# ---------------------------------------------------------------- TCP


async def test_tcp_echo_connect_write_read_read_until() -> None:
    async with trio.open_nursery() as nursery:
        port = await start_tcp_echo(nursery)
        runtime, host = await run_lua(
            f"""
            local sock = net.TCPSocket({{timeout = 2000}})
            sock:connect("127.0.0.1", {port}, {{
              success = function()
                print("connected")
                sock:write("hello", {{
                  success = function(n)
                    print("wrote", n)
                    sock:read({{
                      success = function(data)
                        print("read", data)
                        sock:write("line one\\r\\nline two\\r\\nrest", {{}})
                        sock:readUntil("\\r\\n", {{success = function(a)
                          print("until", a)
                          sock:readUntil("\\r\\n", {{success = function(b)
                            print("until", b)
                            sock:close()
                          end}})
                        end}})
                      end,
                      error = function(e) print("read error", e) end,
                    }})
                  end,
                }})
              end,
              error = function(e) print("connect error", e) end,
            }})
            """
        )
        nursery.cancel_scope.cancel()
    assert host.prints() == [
        "connected",
        "wrote\t5",
        "read\thello",
        "until\tline one",
        "until\tline two",
    ]
    assert runtime.pending_operations == 0


async def test_tcp_refused_read_timeout_and_close_with_a_read_pending() -> None:
    refused = free_port()
    async with trio.open_nursery() as nursery:
        silent = await start_tcp_silent(nursery)
        _, host = await run_lua(
            f"""
            net.TCPSocket():connect("127.0.0.1", {refused}, {{
              success = function() print("refused: connected?") end,
              error = function(e) print("refused", e) end,
            }})
            local slow = net.TCPSocket()
            slow:setReadTimeout(100)
            slow:connect("127.0.0.1", {silent}, {{success = function()
              slow:read({{error = function(e) print("read timeout", e) slow:close() end}})
            end}})
            local closing = net.TCPSocket()
            closing:connect("127.0.0.1", {silent}, {{success = function()
              closing:readUntil("\\n", {{error = function(e) print("closed while reading", e) end}})
              setTimeout(function() closing:close() end, 20)
            end}})
            net.TCPSocket():read({{error = function(e) print("not connected", e) end}})
            """
        )
        nursery.cancel_scope.cancel()
    assert sorted(host.prints()) == [
        "closed while reading\tOperation canceled",
        "not connected\tNot connected",
        "read timeout\tOperation canceled",
        "refused\tConnection refused",
    ]


async def test_tcp_peer_close_is_end_of_file() -> None:
    async def close_at_once(stream: trio.SocketStream) -> None:
        await stream.aclose()

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(trio.serve_tcp, close_at_once, 0)
        port = listeners[0].socket.getsockname()[1]
        _, host = await run_lua(
            f"""
            local s = net.TCPSocket()
            s:connect("127.0.0.1", {port}, {{success = function()
              s:read({{success = function(d) print("data?", d) end,
                       error = function(e) print("eof", e) s:close() end}})
            end}})
            """
        )
        nursery.cancel_scope.cancel()
    assert host.prints() == ["eof\tEnd of file"]


async def test_an_unreachable_idle_tcp_socket_is_collected_and_the_script_ends() -> None:
    async with trio.open_nursery() as nursery:
        port = await start_tcp_echo(nursery)
        runtime, host = await run_lua(
            f"""
            local sock = net.TCPSocket()
            sock:connect("127.0.0.1", {port}, {{success = function() print("connected") end}})
            sock = nil
            """,
            limit=5,
        )
        nursery.cancel_scope.cancel()
    assert host.prints() == ["connected"]
    assert runtime.pending_operations == 0


# ---------------------------------------------------------------- UDP


async def test_udp_echo_send_to_receive_and_timeout() -> None:
    async with trio.open_nursery() as nursery:
        port = await start_udp_echo(nursery)
        _, host = await run_lua(
            f"""
            local udp = net.UDPSocket({{timeout = 2000}})
            udp:sendTo("ping", "127.0.0.1", {port}, {{
              success = function()
                udp:receive({{
                  success = function(data, ip, p)
                    print("got", data, ip, p == {port})
                    udp:close()
                  end,
                  error = function(e) print("receive error", e) end,
                }})
              end,
              error = function(e) print("send error", e) end,
            }})
            local quiet = net.UDPSocket({{timeout = 100}})
            quiet:bind("127.0.0.1", 0)
            quiet:receive({{error = function(e) print("timeout", e) quiet:close() end}})
            """
        )
        nursery.cancel_scope.cancel()
    assert sorted(host.prints()) == [
        "got\techo:ping\t127.0.0.1\ttrue",
        "timeout\tOperation canceled",
    ]


# ---------------------------------------------------------------- WebSocket


async def test_websocket_echo() -> None:
    async with trio.open_nursery() as nursery:
        port = await start_ws_echo(nursery)
        runtime, host = await run_lua(
            f"""
            local ws = net.WebSocketClient()
            print("open before", ws:isOpen())
            ws:addEventListener("connected", function()
              print("connected", ws:isOpen())
              ws:send("hello")
              ws:send("\\255\\0binary")
            end)
            local n = 0
            ws:addEventListener("dataReceived", function(data)
              n = n + 1
              print("data", data == "hello" and "hello" or #data)
              if n == 2 then ws:close() end
            end)
            ws:addEventListener("disconnected", function() print("disconnected", ws:isOpen()) end)
            ws:addEventListener("error", function(e) print("error", e) end)
            ws:connect("ws://127.0.0.1:{port}/echo")
            """
        )
        nursery.cancel_scope.cancel()
    assert host.prints() == [
        "open before\tfalse",
        "connected\ttrue",
        "data\thello",
        "data\t8",
        "disconnected\tfalse",
    ]
    assert runtime.pending_operations == 0


async def test_websocket_tls_refused_is_an_error_event() -> None:
    refused = free_port()
    _, host = await run_lua(
        f"""
        local ws = net.WebSocketClientTls()
        ws:addEventListener("error", function(e) print("error", e, ws:isOpen()) end)
        ws:addEventListener("disconnected", function() print("disconnected?") end)
        ws:connect("wss://127.0.0.1:{refused}/")
        print("send while closed", ws:send("x"))
        """
    )
    assert host.prints() == ["send while closed\tfalse", "error\tConnection refused\tfalse"]


# ---------------------------------------------------------------- shutdown


async def test_stop_with_operations_in_flight_ends_the_loop_without_callbacks() -> None:
    from net_helpers import NetHost
    from plua2.worker.options import LoadOptions
    from plua2.worker.runtime import Runtime

    async with trio.open_nursery() as servers:
        silent = await start_tcp_silent(servers)
        ws_port = await start_ws_echo(servers)
        host = NetHost()
        runtime = Runtime(7, LoadOptions(), host)
        assert runtime.load(
            f"""
            local s = net.TCPSocket()
            s:connect("127.0.0.1", {silent}, {{success = function()
              print("connected")
              s:read({{success = print, error = function(e) print("read error", e) end}})
            end}})
            ws = net.WebSocketClient()
            ws:addEventListener("connected", function() print("ws connected") end)
            ws:addEventListener("disconnected", function() print("ws disconnected") end)
            ws:connect("ws://127.0.0.1:{ws_port}/")
            """,
            "test.lua",
        )
        with trio.fail_after(5):
            async with trio.open_nursery() as nursery:
                runtime.nursery = nursery
                nursery.start_soon(runtime.run_loop)
                while len(host.prints()) < 2:  # noqa: ASYNC110  (polling the Lua output)
                    await trio.sleep(0.01)
                runtime.stop(0)
                await trio.sleep(0.05)
                nursery.cancel_scope.cancel()
        servers.cancel_scope.cancel()
    assert sorted(host.prints()) == ["connected", "ws connected"]
    assert runtime.pending_operations == 0
