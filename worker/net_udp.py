"""`net.UDPSocket` underneath: one trio datagram socket per Lua socket object.

Theory of operation
-------------------
`_PY.netUdpOpen(broadcast)` makes the handle; the OS socket (IPv4) is created on first use:
`bind(ip, port)` creates and binds it synchronously (a bad address is a Lua error at the caller's
line, as `bind` has no callbacks); `sendTo` creates it unbound (the OS picks a port). From then on
the socket holds the worker alive until closed. Sends run in call order (a lock), receives too.

- `sendTo(datagram, ip, port)` completes with no values; `receive()` with `data, ip, port`;
- a receive timeout (the socket's `timeout`) gives "Operation canceled";
- `broadcast=true` sets SO_BROADCAST.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

import trio

from .exporters import lua_exporter
from .net_service import Handle, NetError, NetService, lua_bytes, lua_timeout, service_for

if TYPE_CHECKING:
    from .runtime import Runtime

__all__ = ["UdpSocket"]

_MAX_DATAGRAM = 65536


class UdpSocket(Handle):
    def __init__(self, service: NetService, hid: int, broadcast: bool) -> None:
        super().__init__(service, hid)
        self.broadcast = broadcast
        self.raw: socket.socket | None = None
        self.sock: trio.socket.SocketType | None = None
        self.send_lock = trio.Lock()
        self.receive_lock = trio.Lock()

    def ensure_socket(self) -> trio.socket.SocketType:
        """The OS socket, created on first use."""
        if self.closed:
            raise NetError("Operation canceled")
        if self.sock is None:
            raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            if self.broadcast:
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            self.raw = raw
            self.sock = trio.socket.from_stdlib_socket(raw)
            self.hold()
        return self.sock

    def bind(self, ip: str, port: int) -> None:
        self.ensure_socket()
        raw = self.raw
        assert raw is not None
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            raw.bind((ip or "0.0.0.0", port))
        except OSError as exc:
            raise OSError(f"bind {ip}:{port}: {exc.strerror or exc}") from None

    async def send_to(self, data: bytes, ip: str, port: int) -> tuple[Any, ...]:
        sock = self.ensure_socket()
        async with self.send_lock:
            await sock.sendto(data, (ip, port))
        return ()

    async def receive(self, limit: float | None) -> tuple[Any, ...]:
        sock = self.ensure_socket()
        async with self.receive_lock:
            with trio.fail_after(limit) if limit is not None else trio.CancelScope():
                data, address = await sock.recvfrom(_MAX_DATAGRAM)
        return data, str(address[0]).encode(), int(address[1])

    def close_resources(self) -> None:
        if self.sock is not None:
            self.sock.close()


def _udp(runtime: Runtime, hid: Any) -> tuple[NetService, UdpSocket | None]:
    service = service_for(runtime)
    handle = service.handle(hid, UdpSocket)
    return service, handle if isinstance(handle, UdpSocket) else None


def _port(port: Any) -> int:
    if type(port) is not int or not 0 <= port < 65536:
        raise TypeError("port must be an integer 0..65535")
    return port


@lua_exporter(name="netUdpOpen", raw=True, with_runtime=True)
def udp_open(runtime: Runtime, broadcast: Any = None) -> int:
    """_PY.netUdpOpen(broadcast) -> handle."""
    service = service_for(runtime)
    udp = UdpSocket(service, service.new_id(), broadcast is True)
    service.add_handle(udp)
    return udp.hid


@lua_exporter(name="netUdpBind", raw=True, with_runtime=True)
def udp_bind(runtime: Runtime, hid: Any, ip: Any, port: Any) -> None:
    """_PY.netUdpBind(handle, ip, port): bind now (raises on a bad address or a port in use)."""
    ip_text = lua_bytes(ip, "ip").decode("utf-8", "replace") if ip is not None else ""
    udp = _udp(runtime, hid)[1]
    if udp is None:
        raise ValueError("bind: the UDP socket is closed")
    udp.bind(ip_text, _port(port))


@lua_exporter(name="netUdpSendTo", raw=True, with_runtime=True)
def udp_send_to(runtime: Runtime, hid: Any, data: Any, ip: Any, port: Any) -> int:
    """_PY.netUdpSendTo(handle, datagram, ip, port) -> op (success: no values)."""
    payload = lua_bytes(data, "datagram")
    ip_text = lua_bytes(ip, "ip").decode("utf-8", "replace")
    port_number = _port(port)
    service, udp = _udp(runtime, hid)
    if udp is None:
        return service.failed_operation("Operation canceled")
    return service.start_operation(lambda: udp.send_to(payload, ip_text, port_number), udp)


@lua_exporter(name="netUdpReceive", raw=True, with_runtime=True)
def udp_receive(runtime: Runtime, hid: Any, timeout: Any = None) -> int:
    """_PY.netUdpReceive(handle, timeoutMs) -> op (success: data, ip, port)."""
    seconds = lua_timeout(timeout)
    service, udp = _udp(runtime, hid)
    if udp is None:
        return service.failed_operation("Operation canceled")
    return service.start_operation(lambda: udp.receive(seconds), udp)
