"""`net.TCPSocket` underneath: one trio SocketStream per connected socket.

Theory of operation
-------------------
`_PY.netTcpConnect(host, port, timeoutMs)` returns `handle, op`; the handle (a `TcpConnection`)
exists at once so a `close()` called before the connection is up cancels the connect. Each
read / readUntil / write is its own operation on the handle. Reads are served one at a time in
call order (a lock), writes likewise, and a read may run beside a write. Bytes received past a
readUntil delimiter stay in the connection's buffer for the next read.

- `read` completes with whatever arrived (at most 64 KiB, at least one byte; the buffer first);
- `readUntil(delimiter)` completes with the bytes *before* the delimiter; the delimiter itself is
  consumed;
- a peer that closed the connection gives "End of file"; a timeout "Operation canceled";
- the connection holds the worker alive from a successful connect until it is closed (by `close()`,
  by the Lua object's `__gc`, or by the worker's end).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import trio

from .exporters import lua_exporter
from .net_service import Handle, NetError, NetService, lua_bytes, lua_timeout, service_for

if TYPE_CHECKING:
    from .runtime import Runtime

__all__ = ["DEFAULT_CONNECT_TIMEOUT_MS", "TcpConnection"]

#: connect timeout when the socket was created without one
DEFAULT_CONNECT_TIMEOUT_MS = 30_000
_READ_SIZE = 65536


class TcpConnection(Handle):
    def __init__(self, service: NetService, hid: int) -> None:
        super().__init__(service, hid)
        self.stream: trio.SocketStream | None = None
        self.buffer = bytearray()
        self.read_lock = trio.Lock()
        self.write_lock = trio.Lock()

    async def connect(self, host: str, port: int, limit: float | None) -> tuple[Any, ...]:
        with trio.fail_after(limit) if limit is not None else trio.CancelScope():
            stream = await trio.open_tcp_stream(host, port)
        if self.closed:
            stream.socket.close()
            raise NetError("Operation canceled")
        self.stream = stream
        self.hold()
        return ()

    def _stream(self) -> trio.SocketStream:
        if self.stream is None:
            raise NetError("Not connected")
        return self.stream

    async def _fill(self) -> None:
        data = await self._stream().receive_some(_READ_SIZE)
        if not data:
            raise NetError("End of file")
        self.buffer += data

    async def read(self, limit: float | None) -> tuple[Any, ...]:
        self._stream()
        async with self.read_lock:
            with trio.fail_after(limit) if limit is not None else trio.CancelScope():
                if not self.buffer:
                    await self._fill()
            data = bytes(self.buffer)
            self.buffer.clear()
        return (data,)

    async def read_until(self, delimiter: bytes, limit: float | None) -> tuple[Any, ...]:
        self._stream()
        async with self.read_lock:
            start = 0
            with trio.fail_after(limit) if limit is not None else trio.CancelScope():
                while (at := self.buffer.find(delimiter, start)) < 0:
                    start = max(0, len(self.buffer) - len(delimiter) + 1)
                    await self._fill()
            data = bytes(self.buffer[:at])
            del self.buffer[: at + len(delimiter)]
        return (data,)

    async def write(self, data: bytes, limit: float | None) -> tuple[Any, ...]:
        stream = self._stream()
        async with self.write_lock:
            with trio.fail_after(limit) if limit is not None else trio.CancelScope():
                await stream.send_all(data)
        return (len(data),)

    def close_resources(self) -> None:
        if self.stream is not None:
            self.stream.socket.close()


def _connection(runtime: Runtime, hid: Any) -> tuple[NetService, TcpConnection | None]:
    service = service_for(runtime)
    handle = service.handle(hid, TcpConnection)
    return service, handle if isinstance(handle, TcpConnection) else None


@lua_exporter(name="netTcpConnect", raw=True, with_runtime=True)
def tcp_connect(runtime: Runtime, host: Any, port: Any, timeout: Any = None) -> tuple[int, int]:
    """_PY.netTcpConnect(host, port, timeoutMs) -> handle, op (success: no values)."""
    host_text = lua_bytes(host, "ip").decode("utf-8", "replace")
    if type(port) is not int or not 0 < port < 65536:
        raise TypeError("port must be an integer 1..65535")
    seconds = lua_timeout(timeout if timeout is not None else DEFAULT_CONNECT_TIMEOUT_MS)
    service = service_for(runtime)
    connection = TcpConnection(service, service.new_id())
    service.add_handle(connection)
    op = service.start_operation(lambda: connection.connect(host_text, port, seconds), connection)
    return connection.hid, op


@lua_exporter(name="netTcpRead", raw=True, with_runtime=True)
def tcp_read(runtime: Runtime, hid: Any, timeout: Any = None) -> int:
    """_PY.netTcpRead(handle, timeoutMs) -> op (success: data)."""
    seconds = lua_timeout(timeout)
    service, connection = _connection(runtime, hid)
    if connection is None:
        return service.failed_operation("Not connected")
    return service.start_operation(lambda: connection.read(seconds), connection)


@lua_exporter(name="netTcpReadUntil", raw=True, with_runtime=True)
def tcp_read_until(runtime: Runtime, hid: Any, delimiter: Any, timeout: Any = None) -> int:
    """_PY.netTcpReadUntil(handle, delimiter, timeoutMs) -> op (success: data before it)."""
    delimiter_bytes = lua_bytes(delimiter, "delimiter")
    if not delimiter_bytes:
        raise ValueError("delimiter must not be empty")
    seconds = lua_timeout(timeout)
    service, connection = _connection(runtime, hid)
    if connection is None:
        return service.failed_operation("Not connected")
    return service.start_operation(
        lambda: connection.read_until(delimiter_bytes, seconds), connection
    )


@lua_exporter(name="netTcpWrite", raw=True, with_runtime=True)
def tcp_write(runtime: Runtime, hid: Any, data: Any, timeout: Any = None) -> int:
    """_PY.netTcpWrite(handle, data, timeoutMs) -> op (success: number of bytes written)."""
    payload = lua_bytes(data, "data")
    seconds = lua_timeout(timeout)
    service, connection = _connection(runtime, hid)
    if connection is None:
        return service.failed_operation("Not connected")
    return service.start_operation(lambda: connection.write(payload, seconds), connection)
