"""`net.WebSocketClient` / `net.WebSocketClientTls` underneath: trio-websocket, one task per socket.

Theory of operation
-------------------
`_PY.netWsConnect(url, headers)` makes a `WebSocket` handle and starts its task at once; from then
on everything comes back to Lua as events `internal.net_event(handle, name, ...)`:
"connected", "dataReceived" (data), "error" (text), "disconnected". The task connects (with a
deadline, "Operation canceled" past it), then reads messages until the connection ends, while a
writer sub-task sends what `_PY.netWsSend` queued, in order.

- The handle holds the worker alive from connect until its task has posted its last event, so a
  "disconnected" after `close()` still runs (the Lua object is kept alive meanwhile by net.lua).
  `close()` sends the closing frame and waits (at most CLOSE_TIMEOUT) for the peer's, with the
  reader still running; at the worker's end the stream is just closed.
- "disconnected" comes once, and only after "connected"; a failed connect gives "error" alone.
- Text frames arrive as their UTF-8 bytes, binary frames as bytes; `send` sends a Lua string that
  is valid UTF-8 as a text frame, anything else as a binary frame.
- wss: certificates are *not* verified (QuickApps mostly talk to devices on the LAN with
  self-signed certificates; the HC3 gives a QuickApp no CA store to manage). A plain
  `WebSocketClient` accepts wss:// URLs too.
"""

from __future__ import annotations

import math
import ssl
from functools import cache
from typing import TYPE_CHECKING, Any

import trio
import trio_websocket

from .exporters import lua_exporter
from .net_service import Handle, NetService, describe_error, lua_bytes, service_for

if TYPE_CHECKING:
    from .runtime import Runtime

__all__ = ["CONNECT_TIMEOUT", "WebSocket"]

#: seconds a WebSocket connect (TCP, TLS and handshake) may take
CONNECT_TIMEOUT = 30.0
#: seconds the closing handshake may take before the socket is just closed
CLOSE_TIMEOUT = 2.0
_MAX_MESSAGE = 16 * 1024 * 1024


@cache
def _unverified_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class WebSocket(Handle):
    sweepable = False

    def __init__(self, service: NetService, hid: int) -> None:
        super().__init__(service, hid)
        self.outbox_in, self.outbox_out = trio.open_memory_channel[str | bytes](math.inf)
        self.open = False
        self.close_requested = trio.Event()

    def close(self) -> None:
        """Start a closing handshake (or cancel a connect in progress). The task posts the last
        event and releases the hold."""
        if self.closed:
            return
        self.closed = True
        self.service.handles.pop(self.hid, None)
        self.outbox_in.close()
        self.close_requested.set()
        if not self.open:
            for scope in list(self.scopes):
                scope.cancel()

    def send(self, data: bytes) -> bool:
        if self.closed or not self.open:
            return False
        try:
            message: str | bytes = data.decode("utf-8")
        except UnicodeDecodeError:
            message = data
        self.outbox_in.send_nowait(message)
        return True

    async def run(self, url: str, headers: list[tuple[bytes, bytes]]) -> None:
        service = self.service
        try:
            with trio.CancelScope() as scope:
                self.scopes.add(scope)
                if self.closed:
                    scope.cancel()
                await self._connection(url, headers)
        except Exception as exc:
            service.event(self.hid, b"error", _describe(exc).encode())
        finally:
            if self.open:
                self.open = False
                service.event(self.hid, b"disconnected")
            self.closed = True
            service.handles.pop(self.hid, None)
            self.release()

    async def _connection(self, url: str, headers: list[tuple[bytes, bytes]]) -> None:
        async with trio.open_nursery() as nursery:
            with trio.fail_after(CONNECT_TIMEOUT):
                context = _unverified_context() if url.lower().startswith("wss:") else None
                ws = await trio_websocket.connect_websocket_url(
                    nursery, url, context, extra_headers=headers, max_message_size=_MAX_MESSAGE
                )
            try:
                self.open = True
                self.service.event(self.hid, b"connected")
                nursery.start_soon(self._writer, ws)
                nursery.start_soon(self._closer, ws)
                while True:
                    message = await ws.get_message()
                    data = message.encode("utf-8") if isinstance(message, str) else message
                    self.service.event(self.hid, b"dataReceived", data)
            except trio_websocket.ConnectionClosed:
                pass
            finally:
                # a no-op after a finished handshake; under cancellation (worker end) it still
                # closes the stream, without waiting for the peer
                with trio.move_on_after(CLOSE_TIMEOUT):
                    await ws.aclose()
                nursery.cancel_scope.cancel()

    async def _closer(self, ws: trio_websocket.WebSocketConnection) -> None:
        """close(): the closing handshake while the reader still runs (it then sees the end)."""
        await self.close_requested.wait()
        with trio.move_on_after(CLOSE_TIMEOUT):
            await ws.aclose()

    async def _writer(self, ws: trio_websocket.WebSocketConnection) -> None:
        try:
            async for message in self.outbox_out:
                await ws.send_message(message)
        except (trio_websocket.ConnectionClosed, trio.ClosedResourceError):
            pass


def _describe(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    if isinstance(exc, trio_websocket.ConnectionRejected):
        return f"Connection rejected: HTTP {exc.status_code}"
    if isinstance(exc, trio_websocket.HandshakeError):
        return f"Handshake failed: {exc}"
    if isinstance(exc, ValueError):
        return f"Invalid URL: {exc}"
    return describe_error(exc)


@lua_exporter(name="netWsConnect", raw=True, with_runtime=True)
def ws_connect(runtime: Runtime, url: Any, headers: Any = None) -> int:
    """_PY.netWsConnect(url, headers) -> handle; events follow through internal.net_event."""
    url_text = lua_bytes(url, "url").decode("utf-8", "replace")
    header_list: list[tuple[bytes, bytes]] = []
    if headers is not None:
        try:
            items = list(headers.items())
        except (AttributeError, TypeError):
            raise TypeError("headers must be a table") from None
        header_list = [
            (lua_bytes(k, "header name"), lua_bytes(v, "header value")) for k, v in items
        ]
    service = service_for(runtime)
    ws = WebSocket(service, service.new_id())
    service.add_handle(ws)
    ws.hold()

    async def run() -> None:
        await ws.run(url_text, header_list)

    def unavailable() -> None:
        service.event(ws.hid, b"error", b"network is not available in this runtime")
        ws.closed = True
        service.handles.pop(ws.hid, None)
        ws.release()

    service.spawn(run, unavailable)
    return ws.hid


@lua_exporter(name="netWsSend", raw=True, with_runtime=True)
def ws_send(runtime: Runtime, hid: Any, data: Any) -> bool:
    """_PY.netWsSend(handle, data) -> queued (false when the socket is not open)."""
    payload = lua_bytes(data, "data")
    handle = service_for(runtime).handle(hid, WebSocket)
    return isinstance(handle, WebSocket) and handle.send(payload)
