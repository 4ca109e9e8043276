"""Helpers for network tests: an in-process runtime run the way a worker runs it, and local servers.

`run_lua` loads the chunk *before* the nursery exists (as worker/main.py does), then runs the loop
inside a nursery until the runtime is idle. The servers listen on 127.0.0.1 with a free port and
stop with the test's nursery.
"""

from __future__ import annotations

import json
import ssl
from functools import partial
from typing import Any

import h11
import trio
import trio_websocket
import trustme
from plua2.shared.messages import Error, Log, Message
from plua2.worker.options import LoadOptions
from plua2.worker.runtime import Runtime

LOOP_LIMIT = 10.0


class NetHost:
    """Collects what the runtime sends (no blocking calls needed by net tests)."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        self.sent.append(message)

    def call(self, method: str, params: list[Any], timeout: float) -> Any:
        raise RuntimeError(f"no such method {method}")

    def sleep(self, seconds: float) -> None:
        raise RuntimeError("no sleep in net tests")

    def prints(self) -> list[str]:
        return [m.text for m in self.sent if isinstance(m, Log) and m.level == "print"]

    def errors(self) -> list[Error]:
        return [m for m in self.sent if isinstance(m, Error)]


async def run_lua(
    source: str, limit: float = LOOP_LIMIT, **options: Any
) -> tuple[Runtime, NetHost]:
    """Run `source` in a fresh runtime until idle (exit_when_idle); fail after `limit` seconds."""
    host = NetHost()
    options.setdefault("exit_when_idle", True)
    runtime = Runtime(7, LoadOptions(**options), host)
    assert runtime.load(source, "test.lua")
    with trio.fail_after(limit):
        async with trio.open_nursery() as nursery:
            runtime.nursery = nursery
            await runtime.run_loop()
            nursery.cancel_scope.cancel()
    return runtime, host


def lua_string(text: str) -> str:
    """A Lua long-string literal for `text`."""
    return "[==[" + text + "]==]"


# ---------------------------------------------------------------- HTTP(S) server (h11)


def tls_contexts() -> tuple[ssl.SSLContext, trustme.CA]:
    """A server context with a fresh self-signed certificate for 127.0.0.1, and its CA."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context, ca


async def _read_request(conn: h11.Connection, stream: trio.abc.Stream) -> tuple[h11.Request, bytes]:
    request: h11.Request | None = None
    body = b""
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await stream.receive_some(65536))
        elif isinstance(event, h11.Request):
            request = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            assert request is not None
            return request, body
        elif isinstance(event, h11.ConnectionClosed):
            raise EOFError


async def _respond(
    conn: h11.Connection,
    stream: trio.abc.Stream,
    status: int,
    body: bytes | list[bytes],
    headers: list[tuple[str, str]],
) -> None:
    chunks = body if isinstance(body, list) else [body]
    if isinstance(body, list):
        headers = [*headers, ("Transfer-Encoding", "chunked")]
    else:
        headers = [*headers, ("Content-Length", str(len(body)))]
    out = conn.send(h11.Response(status_code=status, headers=headers)) or b""
    for chunk in chunks:
        out += conn.send(h11.Data(data=chunk)) or b""
    out += conn.send(h11.EndOfMessage()) or b""
    await stream.send_all(out)


async def http_handler(stream: trio.abc.Stream) -> None:
    """Routes: /echo (JSON of the request), /raw (the body back), /binary, /404, /redirect,
    /chunked, /slow (answers after 2 s), /delay (after 0.3 s)."""
    conn = h11.Connection(h11.SERVER)
    try:
        request, body = await _read_request(conn, stream)
    except (EOFError, trio.BrokenResourceError, h11.RemoteProtocolError):
        return
    path = request.target.decode()
    if path == "/slow":
        await trio.sleep(2)
    if path == "/delay":
        await trio.sleep(0.3)
    if path == "/404":
        await _respond(conn, stream, 404, b"not here", [("Content-Type", "text/plain")])
    elif path == "/redirect":
        await _respond(conn, stream, 302, b"", [("Location", "/echo")])
    elif path == "/binary":
        await _respond(conn, stream, 200, bytes(range(256)), [])
    elif path == "/raw":
        await _respond(conn, stream, 200, body, [("X-Length", str(len(body)))])
    elif path == "/chunked":
        await _respond(conn, stream, 200, [b"one,", b"two,", b"three"], [])
    else:
        echo = {
            "method": request.method.decode(),
            "path": path,
            "headers": {k.decode(): v.decode() for k, v in request.headers},
            "body": body.decode("latin-1"),
        }
        await _respond(
            conn,
            stream,
            200,
            json.dumps(echo).encode(),
            [("Content-Type", "application/json"), ("X-Test", "a"), ("X-Test", "b")],
        )
    with trio.move_on_after(1):
        await stream.aclose()


async def start_http(nursery: trio.Nursery, tls: ssl.SSLContext | None = None) -> int:
    """An HTTP server (HTTPS with `tls`) on 127.0.0.1; its port."""

    async def handler(stream: trio.SocketStream) -> None:
        if tls is None:
            await http_handler(stream)
            return
        ssl_stream = trio.SSLStream(stream, tls, server_side=True)
        try:
            await ssl_stream.do_handshake()
        except (trio.BrokenResourceError, ssl.SSLError):
            return
        await http_handler(ssl_stream)

    listeners = await nursery.start(partial(trio.serve_tcp, handler, 0, host="127.0.0.1"))
    return int(listeners[0].socket.getsockname()[1])


# ---------------------------------------------------------------- TCP, UDP, WebSocket echo


async def start_tcp_echo(nursery: trio.Nursery) -> int:
    async def echo(stream: trio.SocketStream) -> None:
        try:
            while data := await stream.receive_some(65536):
                await stream.send_all(data)
        except trio.BrokenResourceError:
            pass

    listeners = await nursery.start(partial(trio.serve_tcp, echo, 0, host="127.0.0.1"))
    return int(listeners[0].socket.getsockname()[1])


async def start_tcp_silent(nursery: trio.Nursery) -> int:
    """Accepts and never answers (for read timeouts)."""

    async def silent(stream: trio.SocketStream) -> None:
        await trio.sleep_forever()

    listeners = await nursery.start(partial(trio.serve_tcp, silent, 0, host="127.0.0.1"))
    return int(listeners[0].socket.getsockname()[1])


async def start_udp_echo(nursery: trio.Nursery) -> int:
    sock = trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_DGRAM)
    await sock.bind(("127.0.0.1", 0))

    async def serve() -> None:
        with sock:
            while True:
                data, address = await sock.recvfrom(65536)
                await sock.sendto(b"echo:" + data, address)

    nursery.start_soon(serve)
    return int(sock.getsockname()[1])


async def start_ws_echo(nursery: trio.Nursery) -> int:
    async def handler(request: trio_websocket.WebSocketRequest) -> None:
        ws = await request.accept()
        try:
            while True:
                message = await ws.get_message()
                await ws.send_message(message)
        except trio_websocket.ConnectionClosed:
            pass

    server = await nursery.start(trio_websocket.serve_websocket, handler, "127.0.0.1", 0, None)
    return int(server.port)


def free_port() -> int:
    """A port on 127.0.0.1 with nothing listening (connection refused)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
