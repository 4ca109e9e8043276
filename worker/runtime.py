"""One Lua 5.3 state, its timers and its callbacks: everything a worker runs, minus the pipes.

Theory of operation
-------------------
A `Runtime` owns one `lupa.lua53` state set up by `lua_runtime/bootstrap.lua` and the library
chunks, a `TimerQueue`, an inbox of messages from the supervisor and a queue of posted Python
callbacks. It talks to the outside only through a `Host` (`send` a message, blocking `call`,
blocking `sleep`): the `Channel` in a real worker, a fake in tests.

Invariants:
- Callbacks never overlap: timers, posted callbacks, requests and the main chunk all run from
  `run_loop` (or `load`) one at a time, each through the Lua runner with its budget armed.
- A failing callback is reported (`Error` with where = callback / budget / memory) and the runtime
  goes on; only `stop()` (Shutdown, stdin EOF, os.exit, protocol error) ends `run_loop`.
- No Python object is reachable from Lua globals: host functions are Lua closures (bootstrap.lua),
  lupa's `python` module is removed and every attribute access on a Python object is refused.
- Lua strings are bytes in Python (`encoding=None`); only `lua_values` converts.
- `run_loop` serves the inbox between timer batches: a batch of due timers ends after
  `SLICE_SECONDS` or `SLICE_CALLBACKS` callbacks with a trio checkpoint.
- On a frozen (virtual) clock the loop, with nothing to run, jumps the clock to its next timer if
  that is within the horizon the supervisor granted, else reports `Idle` (once per state) and waits
  for a newer clock: so timers run in due order and each callback sees its own due time.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import trio
from lupa import lua53

from ..lua_runtime import LIBRARY_ORDER, read_lua
from ..shared.errors import LocalProtocolError
from ..shared.messages import Clock as ClockMessage
from ..shared.messages import Error, Message, Ping, Pong, Request, Response, Shutdown
from ..shared.virtual_time import TimeBase
from . import host_functions as _host_functions  # noqa: F401  (registers the runtime's _PY functions)
from . import net_http, net_mqtt, net_tcp, net_udp, net_websocket  # noqa: F401  (register _PY.net*, _PY.mqtt*)
from .clock import Clock, MonotonicClock
from .exporters import ExportedFunction, exported_functions
from .lua_values import LuaValueError, lua_to_python, lua_to_wire, wire_to_lua
from .options import LoadOptions
from .quickapp import load_quickapp
from .requests import RequestFailed, find_handler
from .timers import TimerQueue

__all__ = ["Host", "HostStopped", "Runtime", "SLICE_CALLBACKS", "SLICE_SECONDS"]

#: the longest a batch of due timers runs before the loop serves messages again
SLICE_SECONDS = 0.010
#: the most callbacks a batch runs before the loop serves messages again
SLICE_CALLBACKS = 5000
#: jumps of a frozen clock to the next timer between two trio checkpoints
SLICE_JUMPS = 64
#: real seconds between two progress reports of a worker running ahead on a frozen clock
PROGRESS_INTERVAL = 0.1
#: Lua VM instructions between two budget checks
HOOK_COUNT = 10000


class HostStopped(Exception):
    """The channel ended (shutdown, EOF, protocol error) while Lua waited on it."""

    def __init__(self, exit_code: int, reason: str) -> None:
        super().__init__(reason)
        self.exit_code = exit_code


class Host(Protocol):
    def send(self, message: Message) -> None:
        """Write one message to the supervisor (synchronously, in order)."""
        ...

    def call(self, method: str, params: list[Any], timeout: float) -> Any:
        """Send a Request and block until its Response. Raises RuntimeError with the error text,
        TimeoutError, or HostStopped."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block this worker for `seconds` while still answering pings. May raise HostStopped."""
        ...

    def report_idle(self, next_due: float | None) -> None:
        """Frozen clock: tell the supervisor nothing is to run before `next_due` (virtual time)."""
        ...


def _refuse_attribute(obj: Any, name: Any, is_setting: bool) -> Any:
    raise AttributeError("access to Python attributes is not allowed")


class Runtime:
    def __init__(
        self,
        generation: int,
        options: LoadOptions,
        host: Host,
        clock: Clock | None = None,
    ) -> None:
        self.generation = generation
        self.options = options
        self.host = host
        self.clock: Clock = clock or MonotonicClock()
        self.started = self.clock.now()
        self.timers = TimerQueue()
        self.callbacks_run = 0
        self.errors_reported = 0
        self.pending_operations = 0
        self.stopping = False
        self.exit_code = 0
        self.lua_request_handlers: dict[str, Any] = {}
        self._inbox: deque[Message] = deque()
        self._posted: deque[Callable[[], None]] = deque()
        self._wake: trio.Event | None = None
        #: the worker's nursery while run_loop runs in a real worker (for network tasks later)
        self.nursery: trio.Nursery | None = None

        self.lua = lua53.LuaRuntime(
            register_eval=False,
            register_builtins=False,
            unpack_returned_tuples=True,
            encoding=None,
            max_memory=options.max_memory or None,
            attribute_filter=_refuse_attribute,
        )
        g = self.lua.globals()
        self._tostring = g.tostring
        self._collectgarbage = g.collectgarbage
        exports = self.lua.table()
        for exported in exported_functions():
            exports[exported.name.encode()] = self._bind(exported)
        settings = wire_to_lua(
            self.lua,
            {"budget": options.budget, "hook_count": HOOK_COUNT, "sandbox": options.sandbox},
        )
        self.internal = self._execute_library("bootstrap.lua", exports, settings)
        self._load = self.internal.load
        self._run = self.internal.run
        self._run_timer = self.internal.run_timer
        for name in LIBRARY_ORDER:
            self._execute_library(name, self.internal)
        if getattr(self.clock, "virtual", False):
            self.internal.set_virtual_time(True)

    # ------------------------------------------------------------------ set-up

    def _execute_library(self, name: str, *args: Any) -> Any:
        load = self.lua.globals().load
        chunk = load(read_lua(name), b"@" + name.encode())
        if not isinstance(chunk, tuple) and chunk is not None:
            return chunk(*args)
        raise RuntimeError(f"lua_runtime/{name} does not compile: {chunk!r}")

    def _bind(self, exported: ExportedFunction) -> Callable[..., Any]:
        """The Python callable Lua calls: returns `(True, results...)` or `(False, message)`."""
        fn = exported.function
        runtime = self
        lua = self.lua

        if exported.raw:
            if exported.with_runtime:

                def raw_call(*args: Any) -> Any:
                    try:
                        result = fn(runtime, *args)
                    except Exception as exc:
                        return runtime._failure(exc)
                    return (True, *result) if isinstance(result, tuple) else (True, result)
            else:

                def raw_call(*args: Any) -> Any:
                    try:
                        result = fn(*args)
                    except Exception as exc:
                        return runtime._failure(exc)
                    return (True, *result) if isinstance(result, tuple) else (True, result)

            return raw_call

        with_runtime = exported.with_runtime

        def call(*args: Any) -> Any:
            try:
                py_args = [lua_to_python(a) for a in args]
                result = fn(runtime, *py_args) if with_runtime else fn(*py_args)
                if isinstance(result, tuple):
                    return (True, *(wire_to_lua(lua, r) for r in result))
                return (True, wire_to_lua(lua, result))
            except Exception as exc:
                return runtime._failure(exc)

        return call

    def _failure(self, exc: Exception) -> tuple[bool, bytes]:
        if isinstance(exc, HostStopped):
            self.stop(exc.exit_code)
        text = str(exc) or exc.__class__.__name__
        return (False, text.encode("utf-8", "replace"))

    # ------------------------------------------------------------------ running Lua

    def compile(self, source: str | bytes, chunkname: str) -> Any:
        """A Lua function for `source`, or raise LuaSyntaxError-like `SyntaxError` (one line)."""
        if isinstance(source, str):
            source = source.encode("utf-8")
        name = chunkname if chunkname[:1] in ("@", "=") else "@" + chunkname
        mode = b"t" if self.options.sandbox == "quickapp" else b"bt"
        result = self._load(source, name.encode("utf-8"), mode)
        if isinstance(result, tuple):
            message = result[1]
            text = (
                message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
            )
            raise SyntaxError(" ".join(text.splitlines()))
        return result

    def call_lua(self, fn: Any, *args: Any) -> tuple[bool, Any]:
        """Run a Lua function as a callback. `(True, [results])` or `(False, (kind, msg, tb))`.

        `args` must already be Lua values. Failures are returned, not reported: see `report`.
        """
        self.callbacks_run += 1
        try:
            result = self._run(fn, *args)
        except lua53.LuaMemoryError:
            self.lua.gccollect()
            return False, ("memory", "not enough memory", "")
        except lua53.LuaError as exc:  # the runner itself failed: should not happen
            return False, ("callback", str(exc), "")
        return self._runner_result(result)

    def _runner_result(self, result: Any) -> tuple[bool, Any]:
        if result is True:
            return True, []
        if result[0] is True:
            return True, list(result[1:])
        kind, message, traceback = result[1], result[2], result[3]
        if kind == b"memory":
            self.lua.gccollect()
        return False, (kind.decode(), _text(message), _text(traceback))

    def report(self, where: str, failure: tuple[str, str, str]) -> None:
        """Send a callback failure as an Error message (`where` for plain callback errors)."""
        kind, message, traceback = failure
        if kind == "abort":
            return
        if kind != "callback":
            where = kind if where == "callback" else where
        self.errors_reported += 1
        self.send(Error(self.generation, where, message, traceback))

    def run_callback(self, fn: Any, *args: Any) -> list[Any] | None:
        """Run a Lua function as a callback and report any failure. Its results, or None."""
        ok, value = self.call_lua(fn, *args)
        if ok:
            return value
        self.report("callback", value)
        return None

    def load(self, source: str | bytes, chunkname: str) -> bool:
        """Compile and run the main chunk. False (after sending Error "load") on a syntax error.

        A runtime error (or budget/memory failure) in the main chunk is sent as Error "init" and
        the runtime keeps going, as an HC3 keeps a crashed QuickApp's timers running.
        With the `quickapp` option, `worker/quickapp.load_quickapp` does the HC3 start-up instead.
        """
        if self.options.quickapp is not None:
            return load_quickapp(self, source, chunkname)
        try:
            fn = self.compile(source, chunkname)
        except SyntaxError as exc:
            self.send(Error(self.generation, "load", str(exc), ""))
            return False
        argv = [a.encode("utf-8", "surrogateescape") for a in self.options.argv]
        arg = self.lua.table()
        arg[0] = chunkname.encode("utf-8")
        for i, value in enumerate(argv, 1):
            arg[i] = value
        self.lua.globals().arg = arg
        ok, value = self.call_lua(fn, *argv)
        if not ok and value[0] != "abort":
            kind, message, traceback = value
            self.errors_reported += 1
            self.send(Error(self.generation, "init", message, traceback))
        return True

    def eval(self, code: str | bytes) -> list[Any]:
        """Run a REPL line as a callback: "return <code>" first, then <code>. Raises RequestFailed."""
        if isinstance(code, str):
            code = code.encode("utf-8")
        try:
            fn = self.compile(b"return " + code, "=eval")
        except SyntaxError:
            try:
                fn = self.compile(code, "=eval")
            except SyntaxError as exc:
                raise RequestFailed(str(exc)) from None
        ok, value = self.call_lua(fn)
        if not ok:
            kind, message, _traceback = value
            raise RequestFailed(message if kind == "callback" else f"{kind}: {message}")
        try:
            return [lua_to_wire(v, fallback=self._describe) for v in value]
        except LuaValueError as exc:
            raise RequestFailed(f"cannot send the result: {exc}") from None

    def _describe(self, value: Any) -> str:
        described = self._tostring(value)
        return _text(described) if isinstance(described, bytes) else repr(value)

    # ------------------------------------------------------------------ timers

    def add_timer(self, ms: float, interval: bool) -> int:
        """Schedule timer `ms` milliseconds from now (the Lua side keeps the function)."""
        delay = ms / 1000.0 if ms > 0 else 0.0
        return self.timers.add(self.clock.now() + delay, delay if interval else None)

    def cancel_timer(self, ref: int) -> bool:
        return self.timers.cancel(ref)

    def run_due_timers(self) -> bool:
        """Run due timers for at most one slice. True if more are due right now."""
        clock = self.clock
        timers = self.timers
        run_timer = self._run_timer
        start = now = clock.now()
        limit = start + SLICE_SECONDS
        count = 0
        while not self.stopping:
            timer = timers.pop_due(now)
            if timer is None:
                return False
            interval = timer.interval
            self.callbacks_run += 1
            try:
                result = run_timer(timer.ref, interval is None)
            except lua53.LuaMemoryError:
                self.lua.gccollect()
                result = (False, b"memory", b"not enough memory", b"")
            if result is not True:
                ok, value = self._runner_result(result)
                if not ok:
                    self.report("callback", value)
            now = clock.now()
            if interval is not None:
                due = timer.due + interval
                timers.reschedule(timer.ref, due if due > now else now)
            count += 1
            if now >= limit or count >= SLICE_CALLBACKS:
                return timers.next_due() is not None and timers.next_due() <= now  # type: ignore[operator]
        return False

    # ------------------------------------------------------------------ pending work

    def post(self, callback: Callable[[], None]) -> None:
        """Run a Python callable from the loop, serialized with all other callbacks."""
        self._posted.append(callback)
        self.wake()

    @contextmanager
    def pending_operation(self) -> Iterator[None]:
        """Hold the worker alive (exit_when_idle) while e.g. a network request is in flight."""
        self.pending_operations += 1
        try:
            yield
        finally:
            self.pending_operations -= 1
            self.wake()

    def is_idle(self) -> bool:
        return (
            not self.timers
            and self.pending_operations == 0
            and not self._posted
            and not self._inbox
        )

    def state(self) -> dict[str, Any]:
        """What `_PY.getRuntimeState()` returns."""
        memory = self._collectgarbage(b"count")
        return {
            "generation": self.generation,
            "sandbox": self.options.sandbox,
            "pendingTimers": len(self.timers),
            "pendingOperations": self.pending_operations,
            "callbacksRun": self.callbacks_run,
            "errors": self.errors_reported,
            "uptime": self.clock.now() - self.started,
            "memoryUsed": int(memory * 1024),
            "maxMemory": self.options.max_memory,
            "budget": self.options.budget,
        }

    # ------------------------------------------------------------------ messages

    def send(self, message: Message) -> None:
        try:
            self.host.send(message)
        except HostStopped as exc:
            self.stop(exc.exit_code)
        except LocalProtocolError as exc:
            print(f"plua2 worker: cannot send {message.kind}: {exc}", file=sys.stderr)

    def deliver(self, message: Message) -> None:
        """A message from the supervisor, for the loop to handle in arrival order."""
        self._inbox.append(message)
        self.wake()

    def handle(self, message: Message) -> None:
        if message.generation != self.generation:
            print(
                f"plua2 worker: dropped {message.kind} of generation {message.generation}",
                file=sys.stderr,
            )
        elif isinstance(message, Request):
            self.handle_request(message)
        elif isinstance(message, Ping):
            self.send(Pong(self.generation, message.seq))
        elif isinstance(message, Shutdown):
            self.stop(0)
        elif isinstance(message, ClockMessage):
            self.apply_clock(message)
        elif isinstance(message, Response):
            pass  # the answer to a call that already timed out
        else:
            print(f"plua2 worker: ignored unexpected {message.kind}", file=sys.stderr)

    def handle_request(self, request: Request) -> None:
        handler = find_handler(request.method)
        try:
            if handler is not None:
                response = Response(
                    self.generation, request.rid, True, handler(self, request.params)
                )
            elif request.method in self.lua_request_handlers:
                response = self._lua_request(request)
            else:
                raise RequestFailed(f"unknown method {request.method}")
        except RequestFailed as exc:
            response = Response(self.generation, request.rid, False, str(exc))
        except Exception as exc:
            response = Response(
                self.generation, request.rid, False, f"{exc.__class__.__name__}: {exc}"
            )
        if request.rid != 0:
            try:
                self.host.send(response)
            except LocalProtocolError as exc:
                self.send(
                    Response(self.generation, request.rid, False, f"cannot send the result: {exc}")
                )
            except HostStopped as exc:
                self.stop(exc.exit_code)

    def _lua_request(self, request: Request) -> Response:
        fn = self.lua_request_handlers[request.method]
        args = [wire_to_lua(self.lua, p) for p in request.params]
        ok, value = self.call_lua(fn, *args)
        if not ok:
            self.report("callback", value)
            raise RequestFailed(value[1])
        try:
            result = [lua_to_wire(v) for v in value]
        except LuaValueError as exc:
            raise RequestFailed(f"cannot send the result: {exc}") from None
        return Response(self.generation, request.rid, True, result)

    def apply_clock(self, message: ClockMessage) -> None:
        """A Clock from the supervisor: the worker's clock (and os.time/os.date) follow it."""
        apply = getattr(self.clock, "apply", None)
        if apply is None or message.generation != self.generation:
            return
        was_virtual = self.clock.virtual  # type: ignore[attr-defined]
        base = TimeBase(message.vmono, message.mono, message.speed, message.offset)
        if apply(message.seq, base, message.horizon):
            if not was_virtual:
                self.internal.set_virtual_time(True)
            self.wake()

    # ------------------------------------------------------------------ the loop

    def stop(self, exit_code: int = 0) -> None:
        """End the worker: `run_loop` returns `exit_code`. Lua running now is aborted."""
        if not self.stopping:
            self.stopping = True
            self.exit_code = exit_code
            try:
                self.internal.abort(b"worker is stopping")
            except lua53.LuaError:
                pass
        self.wake()

    def wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def run_loop(self) -> int:
        """Serve messages, posted callbacks and timers until stopped (or idle, if asked). Exit code."""
        inbox = self._inbox
        posted = self._posted
        jumps = 0
        progress_due = 0.0
        while True:
            while inbox and not self.stopping:
                self.handle(inbox.popleft())
            while posted and not self.stopping:
                posted.popleft()()
            more = False if self.stopping else self.run_due_timers()
            if self.stopping:
                return self.exit_code
            if more or inbox or posted:
                await trio.lowlevel.checkpoint()
                continue
            if self.options.exit_when_idle and self.is_idle():
                return 0
            next_due = self.timers.next_due()
            clock = self.clock
            if clock.frozen and self.pending_operations == 0:
                if next_due is not None and next_due <= clock.horizon:
                    if jumps % SLICE_JUMPS == 0 and time.monotonic() >= progress_due:
                        # running ahead on our own: tell the supervisor where we are now and then
                        progress_due = time.monotonic() + PROGRESS_INTERVAL
                        self.host.report_idle(next_due)
                    clock.jump_to(next_due)
                    jumps += 1
                    if jumps % SLICE_JUMPS == 0:  # let the reader answer pings meanwhile
                        await trio.lowlevel.checkpoint()
                    continue
                self.host.report_idle(next_due)
            self._wake = wake = trio.Event()
            if next_due is None:
                await wake.wait()
            else:
                with trio.move_on_at(self.clock.trio_deadline(next_due)):
                    await wake.wait()
            self._wake = None


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)
