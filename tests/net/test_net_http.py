"""net.HTTPClient against a local h11 server: http and https, headers, bodies, statuses, errors."""

from __future__ import annotations

import json

import trio
from net_helpers import free_port, run_lua, start_http, tls_contexts


def request_script(url: str, options: str = "{}", client: str = "{}") -> str:
    """Lua that prints `status|data|headers-as-json` or `ERR|text`."""
    return f"""
    local http = net.HTTPClient({client})
    http:request("{url}", {{
      options = {options},
      success = function(resp)
        print(resp.status .. "|" .. resp.data .. "|" .. json.encode(resp.headers))
      end,
      error = function(err) print("ERR|" .. tostring(err)) end,
    }})
    """


def parse(printed: str) -> tuple[str, str, dict[str, str]]:
    status, _, rest = printed.partition("|")
    data, _, headers = rest.rpartition("|")
    return status, data, json.loads(headers)


async def test_get_with_headers() -> None:
    async with trio.open_nursery() as nursery:
        port = await start_http(nursery)
        _, host = await run_lua(
            request_script(
                f"http://127.0.0.1:{port}/echo?q=1",
                '{headers = {["X-Token"] = "abc", Accept = "application/json"}}',
            )
        )
        nursery.cancel_scope.cancel()
    status, data, headers = parse(host.prints()[0])
    assert status == "200"
    echo = json.loads(data)
    assert echo["method"] == "GET"
    assert echo["path"] == "/echo?q=1"
    assert echo["headers"]["x-token"] == "abc"
    assert echo["headers"]["host"] == f"127.0.0.1:{port}"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Test"] == "a, b"


async def test_post_body_and_binary_round_trip() -> None:
    async with trio.open_nursery() as nursery:
        port = await start_http(nursery)
        _, host = await run_lua(
            f"""
            local http = net.HTTPClient()
            http:request("http://127.0.0.1:{port}/echo", {{
              options = {{method = "POST", data = '{{"a":1}}',
                         headers = {{["Content-Type"] = "application/json"}}}},
              success = function(resp)
                local echo = json.decode(resp.data)
                print(echo.method, echo.body, echo.headers["content-type"], echo.headers["content-length"])
              end,
            }})
            local blob = {{}}
            for i = 0, 255 do blob[#blob + 1] = string.char(i) end
            blob = table.concat(blob)
            http:request("http://127.0.0.1:{port}/raw", {{
              options = {{method = "PUT", data = blob}},
              success = function(resp) print("raw", resp.data == blob, resp.headers["X-Length"]) end,
            }})
            http:request("http://127.0.0.1:{port}/binary", {{
              success = function(resp) print("binary", resp.data == blob) end,
            }})
            """
        )
        nursery.cancel_scope.cancel()
    assert sorted(host.prints()) == sorted(
        ['POST\t{"a":1}\tapplication/json\t7', "raw\ttrue\t256", "binary\ttrue"]
    )


async def test_404_is_a_success_and_redirects_are_not_followed() -> None:
    async with trio.open_nursery() as nursery:
        port = await start_http(nursery)
        _, host = await run_lua(
            f"""
            local http = net.HTTPClient()
            http:request("http://127.0.0.1:{port}/404", {{
              success = function(r) print("404", r.status, r.data) end,
              error = function(e) print("error", e) end,
            }})
            http:request("http://127.0.0.1:{port}/redirect", {{
              success = function(r) print("302", r.status, r.headers.Location) end,
            }})
            http:request("http://127.0.0.1:{port}/chunked", {{
              success = function(r) print("chunked", r.status, r.data) end,
            }})
            """
        )
        nursery.cancel_scope.cancel()
    assert sorted(host.prints()) == [
        "302\t302\t/echo",
        "404\t404\tnot here",
        "chunked\t200\tone,two,three",
    ]


async def test_https_with_and_without_certificate_check() -> None:
    tls, _ca = tls_contexts()
    async with trio.open_nursery() as nursery:
        port = await start_http(nursery, tls)
        _, host = await run_lua(
            f"""
            local http = net.HTTPClient()
            http:request("https://127.0.0.1:{port}/echo", {{
              options = {{method = "POST", data = "hello", checkCertificate = false,
                         headers = {{["X-A"] = "1"}}}},
              success = function(r)
                local e = json.decode(r.data)
                print("unchecked", r.status, e.method, e.body, e.headers["x-a"])
              end,
              error = function(e) print("unchecked error", e) end,
            }})
            http:request("https://127.0.0.1:{port}/echo", {{
              success = function(r) print("checked", r.status) end,
              error = function(e) print("checked error", e) end,
            }})
            """
        )
        nursery.cancel_scope.cancel()
    printed = sorted(host.prints())
    assert printed[0].startswith("checked error\tSSL handshake failed:")
    assert printed[1] == "unchecked\t200\tPOST\thello\t1"


async def test_timeout_and_refused_reach_the_error_callback() -> None:
    refused = free_port()
    async with trio.open_nursery() as nursery:
        port = await start_http(nursery)
        start = trio.current_time()
        _, host = await run_lua(
            f"""
            net.HTTPClient({{timeout = 200}}):request("http://127.0.0.1:{port}/slow", {{
              success = function(r) print("slow answered", r.status) end,
              error = function(e) print("timeout", e) end,
            }})
            net.HTTPClient():request("http://127.0.0.1:{port}/slow", {{
              options = {{timeout = 100}},
              error = function(e) print("request timeout", e) end,
            }})
            net.HTTPClient():request("http://127.0.0.1:{refused}/", {{
              error = function(e) print("refused", e) end,
            }})
            net.HTTPClient():request("ftp://127.0.0.1/", {{
              error = function(e) print("scheme", e) end,
            }})
            """
        )
        elapsed = trio.current_time() - start
        nursery.cancel_scope.cancel()
    assert sorted(host.prints()) == [
        "refused\tConnection refused",
        "request timeout\tOperation canceled",
        "scheme\tInvalid URL: unsupported scheme 'ftp'",
        "timeout\tOperation canceled",
    ]
    assert elapsed < 1.5


async def test_bad_arguments_are_lua_errors_at_the_call() -> None:
    _, host = await run_lua(
        """
        local http = net.HTTPClient()
        print(select(2, pcall(http.request, http, {})))
        print(select(2, pcall(http.request, http, "http://x/", {success = 1})))
        print(select(2, pcall(http.request, http, "http://x/", {options = {data = {}}})))
        """
    )
    printed = host.prints()
    assert "url must be a string" in printed[0]
    assert "success must be a function" in printed[1]
    assert "data must be a string" in printed[2]


async def test_net_exists_in_the_quickapp_sandbox() -> None:
    _, host = await run_lua(
        """
        print(type(net.HTTPClient), type(net.TCPSocket), type(net.UDPSocket),
              type(net.WebSocketClient), type(net.WebSocketClientTls), type(io))
        """,
        sandbox="quickapp",
    )
    assert host.prints() == ["function\tfunction\tfunction\tfunction\tfunction\tnil"]


async def test_quickapp_sandbox_requests_and_a_failing_callback_is_reported() -> None:
    async with trio.open_nursery() as nursery:
        port = await start_http(nursery)
        runtime, host = await run_lua(
            f"""
            local http = net.HTTPClient()
            http:request("http://127.0.0.1:{port}/404", {{
              success = function(r) print("first", r.status) error("boom in success") end,
            }})
            http:request("http://127.0.0.1:{port}/delay", {{
              success = function(r) print("second", r.status) end,
            }})
            """,
            sandbox="quickapp",
        )
        nursery.cancel_scope.cancel()
    assert host.prints() == ["first\t404", "second\t200"]
    [error] = host.errors()
    assert "boom in success" in error.message
    assert "test.lua" in error.traceback
    assert runtime.pending_operations == 0
