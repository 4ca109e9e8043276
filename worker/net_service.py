"""The worker's network layer core: operations, handles, holds and delivery of completions to Lua.

Theory of operation
-------------------
One `NetService` per `Runtime` (created on first use, kept in a weak map, never in Lua). Lua's
`net.*` objects (lua_runtime/net.lua) call `_PY.net*` host functions that return at once with an
*operation id* (and for sockets a *handle id*); the work runs as a trio task in the worker's
nursery, and its outcome comes back as one posted callback `internal.net_complete(op, ok, ...)`
(or `internal.net_event(handle, event, ...)` for WebSocket events), so Lua callbacks run serially
with timers and every other callback. Python never holds a user's Lua function: net.lua keeps the
callbacks, keyed by op id, and drops them once they ran.

Invariants:
- An operation holds `runtime.pending_operation()` from the host call that starts it until its
  completion has been *posted* (post first, release second), so a `plua2 run` script cannot end
  between the two. An open TCP/UDP socket or WebSocket holds one more until it is closed.
- An operation completes exactly once: success, error text, or nothing at all when the worker is
  shutting down (the nursery is cancelled and the tasks just end, releasing their holds).
- Closing a handle cancels its operations in flight; each of those reports "Operation canceled"
  (as a closed asio socket on the HC3 does).
- Before the nursery exists (the main chunk runs before `run_loop`) operations wait in a list that
  a posted callback starts from inside the loop.
- When the worker's nursery is cancelled (the worker ends) every open handle is closed.
- A socket object that Lua can no longer reach is closed: its `__gc` notes the handle in
  `internal.net_collected` (no Python call from a finalizer: it may run while lupa closes the Lua
  state) and `drain_collected` closes it, at new operations and every GUARD_INTERVAL.
- exit_when_idle: when the only things left are idle open TCP/UDP sockets, a full Lua GC runs once
  in a while (then a drain), so such a script can end. A socket still reachable keeps the script
  alive until `close()` (as in Node.js).

Error texts, in Boost.Asio's wording, which is what HC3 QuickApp logs show ("Operation canceled"
for a timed-out request is the best attested; the others follow the same library):
"Operation canceled" (timeout, or closed while pending), "Connection refused", "End of file"
(peer closed), "Connection reset by peer", "Host not found (authoritative)", "Broken pipe",
"Network is unreachable", "No route to host", "Not connected"; other OS errors give
`os.strerror`; TLS failures "SSL handshake failed: <reason>".
"""

from __future__ import annotations

import errno
import os
import socket
import ssl
import weakref
from collections.abc import Awaitable, Callable, Iterable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import trio

from .exporters import lua_exporter

if TYPE_CHECKING:
    from .runtime import Runtime

__all__ = [
    "CANCELED",
    "Handle",
    "NetError",
    "NetService",
    "describe_error",
    "lua_bytes",
    "lua_timeout",
    "service_for",
]

CANCELED = "Operation canceled"
#: how often (s) an exit_when_idle runtime with only idle sockets left runs a Lua GC
SWEEP_INTERVAL = 0.1
#: how often (s) handles of garbage-collected Lua objects are closed in any runtime
GUARD_INTERVAL = 1.0

_ERRNO_TEXT = {
    errno.ECONNREFUSED: "Connection refused",
    errno.ECONNRESET: "Connection reset by peer",
    errno.EPIPE: "Broken pipe",
    errno.ENETUNREACH: "Network is unreachable",
    errno.EHOSTUNREACH: "No route to host",
    errno.ETIMEDOUT: CANCELED,
    errno.ENOTCONN: "Not connected",
}


class NetError(Exception):
    """An operation failed with a text for the Lua error callback."""


def describe_error(exc: BaseException) -> str:
    """The error text Lua sees for an exception raised by a network operation."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    if isinstance(exc, NetError):
        return str(exc)
    if isinstance(exc, trio.TooSlowError):
        return CANCELED
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"SSL handshake failed: {exc.verify_message or exc.reason or 'certificate verify failed'}"
    if isinstance(exc, ssl.SSLError):
        return f"SSL handshake failed: {exc.reason or exc}"
    if isinstance(exc, trio.BrokenResourceError):
        cause = exc.__cause__
        return describe_error(cause) if cause is not None else "Connection reset by peer"
    if isinstance(exc, trio.ClosedResourceError):
        return CANCELED
    if isinstance(exc, socket.gaierror):
        return "Host not found (authoritative)"
    if isinstance(exc, OSError):
        if exc.errno is None:
            # trio.open_tcp_stream: "all attempts to connect ... failed", the reasons in the cause
            cause = exc.__cause__
            if isinstance(cause, BaseExceptionGroup) and cause.exceptions:
                return describe_error(cause.exceptions[-1])
            return str(exc) or exc.__class__.__name__
        return _ERRNO_TEXT.get(exc.errno) or os.strerror(exc.errno)
    return f"{exc.__class__.__name__}: {exc}"


def lua_bytes(value: Any, what: str) -> bytes:
    """A Lua string (bytes) or number as bytes; TypeError otherwise."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value).encode()
    raise TypeError(f"{what} must be a string")


def lua_timeout(value: Any, what: str = "timeout") -> float | None:
    """Milliseconds from Lua (nil or <= 0: none) as seconds."""
    if value is None or value is False:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise TypeError(f"{what} must be a number of milliseconds")
    return value / 1000.0 if value > 0 else None


class Handle:
    """An open socket (TCP, UDP, WebSocket) with the cancel scopes of its operations in flight."""

    #: counted as "idle" for the exit_when_idle GC sweep (TCP/UDP); a WebSocket is always listening
    sweepable = True

    def __init__(self, service: NetService, hid: int) -> None:
        self.service = service
        self.hid = hid
        self.closed = False
        self.scopes: set[trio.CancelScope] = set()
        self._hold = ExitStack()
        self._holding = False

    def hold(self) -> None:
        """Keep the worker alive while this handle is open (idempotent)."""
        if not self._holding and not self.closed:
            self._holding = True
            self._hold.enter_context(self.service.runtime.pending_operation())
            if self.sweepable:
                self.service.idle_holds += 1
                self.service.start_sweeper()

    def close(self) -> None:
        """Cancel the operations in flight, release the hold, forget the handle. Idempotent."""
        if self.closed:
            return
        self.closed = True
        for scope in list(self.scopes):
            scope.cancel()
        self.release()
        self.service.handles.pop(self.hid, None)
        self.close_resources()

    def release(self) -> None:
        if self._holding:
            self._holding = False
            if self.sweepable:
                self.service.idle_holds -= 1
            self._hold.close()

    def close_resources(self) -> None:
        """Close the OS resources (synchronously). Overridden."""


class NetService:
    """The network state of one runtime: ids, handles, and the way back into Lua."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = weakref.ref(runtime)
        self.handles: dict[int, Handle] = {}
        self.idle_holds = 0
        self._next_id = 0
        self._deferred: list[tuple[Callable[[], Awaitable[None]], Callable[[], None]]] = []
        self._sweeping = False
        self._guarded = False

    @property
    def runtime(self) -> Runtime:
        runtime = self._runtime()
        if runtime is None:
            raise RuntimeError("the runtime is gone")
        return runtime

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def add_handle(self, handle: Handle) -> None:
        self.handles[handle.hid] = handle
        if not self._guarded:
            self._guarded = True
            self.spawn(self._guard, self._unguarded)

    async def _guard(self) -> None:
        """Lives in the worker's nursery: closes collected handles now and then, and every handle
        when it is cancelled (worker end)."""
        try:
            while True:
                await trio.sleep(GUARD_INTERVAL)
                self.drain_collected()
        finally:
            self._guarded = False
            for handle in list(self.handles.values()):
                handle.close()

    def drain_collected(self) -> None:
        """Close the handles whose Lua objects were garbage-collected (net.lua's __gc notes them)."""
        runtime = self._runtime()
        if runtime is None or runtime.stopping:
            return
        collected = runtime.internal[b"net_collected"]
        count = len(collected) if collected is not None else 0
        if not count:
            return
        ids = [collected[i] for i in range(1, count + 1)]
        for i in range(count, 0, -1):
            collected[i] = None
        for hid in ids:
            handle = self.handle(hid, Handle)
            if handle is not None:
                handle.close()

    def _unguarded(self) -> None:
        self._guarded = False

    def handle(self, hid: Any, kind: type[Handle]) -> Handle | None:
        handle = self.handles.get(hid) if type(hid) is int else None
        return handle if isinstance(handle, kind) else None

    # ------------------------------------------------------------------ running work

    def spawn(self, task: Callable[[], Awaitable[None]], unavailable: Callable[[], None]) -> None:
        """Run `task` in the worker's nursery, now or once the loop runs; else `unavailable()`."""
        nursery = self.runtime.nursery
        if nursery is not None:
            nursery.start_soon(task)
            return
        self._deferred.append((task, unavailable))
        if len(self._deferred) == 1:
            self.runtime.post(self._start_deferred)

    def _start_deferred(self) -> None:
        deferred, self._deferred = self._deferred, []
        nursery = self.runtime.nursery
        for task, unavailable in deferred:
            if nursery is not None:
                nursery.start_soon(task)
            else:
                unavailable()

    def start_operation(
        self,
        work: Callable[[], Awaitable[tuple[Any, ...]]],
        handle: Handle | None = None,
    ) -> int:
        """Start `work` (its result: the success callback's arguments) and return the op id."""
        self.drain_collected()
        op = self.new_id()
        hold = ExitStack()
        hold.enter_context(self.runtime.pending_operation())

        async def run() -> None:
            try:
                with trio.CancelScope() as scope:
                    if handle is not None:
                        if handle.closed:
                            scope.cancel()
                        handle.scopes.add(scope)
                    try:
                        result: tuple[Any, ...] = (True, *(await work()))
                    except trio.Cancelled:
                        raise
                    except Exception as exc:
                        result = (False, describe_error(exc).encode())
                if handle is not None:
                    handle.scopes.discard(scope)
                if scope.cancelled_caught:
                    result = (False, CANCELED.encode())
                self.complete(op, *result)
            finally:
                hold.close()

        def unavailable() -> None:
            self.complete(op, False, b"network is not available in this runtime")
            hold.close()

        self.spawn(run, unavailable)
        return op

    def failed_operation(self, text: str) -> int:
        """An operation that completes with the error `text` (e.g. on a closed socket)."""

        async def fail() -> tuple[Any, ...]:
            raise NetError(text)

        return self.start_operation(fail)

    # ------------------------------------------------------------------ back into Lua

    def complete(self, op: int, ok: bool, *values: Any) -> None:
        """Post `internal.net_complete(op, ok, values...)`."""
        self._post_lua(b"net_complete", op, ok, *values)

    def event(self, hid: int, name: bytes, *values: Any) -> None:
        """Post `internal.net_event(handle, name, values...)`."""
        self._post_lua(b"net_event", hid, name, *values)

    def _post_lua(self, function: bytes, *args: Any) -> None:
        runtime = self._runtime()
        if runtime is None or runtime.stopping:
            return

        def deliver() -> None:
            fn = runtime.internal[function]
            if fn is not None:
                runtime.run_callback(fn, *args)

        runtime.post(deliver)

    def table(self, items: Iterable[tuple[bytes, Any]]) -> Any:
        """A Lua table from key/value pairs (for response headers)."""
        table = self.runtime.lua.table()
        for key, value in items:
            table[key] = value
        return table

    # ------------------------------------------------------------------ exit_when_idle GC sweep

    def start_sweeper(self) -> None:
        runtime = self.runtime
        if self._sweeping or not runtime.options.exit_when_idle:
            return
        self._sweeping = True
        self.spawn(self._sweep, self._sweep_unavailable)

    def _sweep_unavailable(self) -> None:
        self._sweeping = False

    async def _sweep(self) -> None:
        try:
            while self.idle_holds > 0:
                await trio.sleep(SWEEP_INTERVAL)
                runtime = self._runtime()
                if runtime is None or runtime.stopping:
                    return
                if runtime.pending_operations <= self.idle_holds and not runtime.timers:
                    runtime.lua.gccollect()
                    self.drain_collected()
                del runtime
        finally:
            self._sweeping = False


_SERVICES: weakref.WeakKeyDictionary[Runtime, NetService] = weakref.WeakKeyDictionary()


def service_for(runtime: Runtime) -> NetService:
    """The runtime's NetService, created on first use."""
    service = _SERVICES.get(runtime)
    if service is None:
        service = _SERVICES[runtime] = NetService(runtime)
    return service


@lua_exporter(name="netClose", raw=True, with_runtime=True)
def net_close(runtime: Runtime, hid: Any) -> None:
    """_PY.netClose(handle): close a TCP/UDP socket or WebSocket (unknown handles are ignored)."""
    service = _SERVICES.get(runtime)
    if service is not None:
        handle = service.handle(hid, Handle)
        if handle is not None:
            handle.close()
