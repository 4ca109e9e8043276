"""The runtime's own `_PY` host functions, registered with the same `@lua_exporter` as anyone's.

Theory of operation
-------------------
These are the only doors from Lua to the worker: timers plumbing (`addTimer`, `cancelTimer`, used by
lua_runtime/timers.lua), output (`log`, used by `print`), blocking calls to the supervisor (`call`,
`sleep`), `exit` (behind `os.exit`), `setRequestHandler`, `getRuntimeState` and `wallTime` (behind
`os.time`/`os.date` once the clock is virtual: lua_runtime/clock.lua). Each validates its
arguments and raises on bad ones: the binding turns that into a Lua error at the caller's line.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from lupa import lua53

from ..shared.messages import LOG_LEVELS, Log
from .exporters import lua_exporter

if TYPE_CHECKING:
    from .runtime import Runtime

#: default timeout of `_PY.call` in seconds
CALL_TIMEOUT = 30.0


@lua_exporter(name="addTimer", raw=True, with_runtime=True)
def add_timer(runtime: Runtime, ms: Any, interval: Any) -> int:
    """_PY.addTimer(ms, isInterval) -> ref. The Lua side (timers.lua) keeps the callback."""
    kind = type(ms)
    if (kind is not int and kind is not float) or ms != ms:
        raise TypeError("addTimer: ms must be a number")
    return runtime.add_timer(ms, interval is True)


@lua_exporter(name="wallTime", raw=True, with_runtime=True)
def wall_time(runtime: Runtime) -> float:
    """_PY.wallTime() -> the emulated wall clock in epoch seconds (a float)."""
    return runtime.clock.wall()


@lua_exporter(name="cancelTimer", raw=True, with_runtime=True)
def cancel_timer(runtime: Runtime, ref: Any) -> bool:
    """_PY.cancelTimer(ref) -> was it pending."""
    return runtime.cancel_timer(ref) if type(ref) is int else False


@lua_exporter(name="log", raw=True, with_runtime=True)
def log(runtime: Runtime, level: Any, text: Any, tag: Any = None) -> None:
    """_PY.log(level, text[, tag]): level is print/debug/trace/warning/error."""
    level_text = level.decode("utf-8", "replace") if isinstance(level, bytes) else None
    if level_text not in LOG_LEVELS:
        raise ValueError(f"log: level must be one of {', '.join(LOG_LEVELS)}")
    if isinstance(text, bytes):
        message = text.decode("utf-8", "replace")
    elif isinstance(text, int | float):
        message = str(text)
    else:
        raise TypeError("log: text must be a string")
    tag_text = tag.decode("utf-8", "replace") if isinstance(tag, bytes) else ""
    runtime.send(Log(runtime.generation, level_text, message, tag_text))


@lua_exporter(name="call", with_runtime=True)
def call(runtime: Runtime, method: Any, params: Any = None, timeout: Any = None) -> Any:
    """_PY.call(method, params[, timeout seconds]) -> result, blocking this worker only.

    Sends Request(method, params) to the supervisor and waits for its Response; ok=False raises a
    Lua error with the text. Pings are answered meanwhile.
    """
    if not isinstance(method, str):
        raise TypeError("call: method must be a string")
    if params is None:
        params = []
    if not isinstance(params, list):
        raise TypeError("call: params must be an array (a table with keys 1..n, or {})")
    if timeout is None:
        timeout = CALL_TIMEOUT
    elif isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise TypeError("call: timeout must be a positive number of seconds")
    try:
        return runtime.host.call(method, params, float(timeout))
    except TimeoutError:
        raise TimeoutError(f"call {method}: no response within {timeout:g} s") from None


@lua_exporter(name="sleep", with_runtime=True)
def sleep(runtime: Runtime, ms: Any) -> None:
    """_PY.sleep(ms): block this worker (timers wait; pings are answered)."""
    if isinstance(ms, bool) or not isinstance(ms, int | float) or math.isnan(ms):
        raise TypeError("sleep: ms must be a number")
    if ms > 0:
        runtime.host.sleep(ms / 1000.0)


@lua_exporter(name="exit", raw=True, with_runtime=True)
def exit_worker(runtime: Runtime, code: Any = None) -> None:
    """_PY.exit(code) (os.exit): end this worker cleanly. A QuickApp's code is always 0."""
    if runtime.options.sandbox == "quickapp":
        runtime.send(Log(runtime.generation, "warning", "os.exit() called: the QuickApp stops", ""))
        runtime.stop(0)
        return
    if code is None or code is True:
        exit_code = 0
    elif code is False:
        exit_code = 1
    elif type(code) is int:
        exit_code = code & 0xFF
    else:
        raise TypeError("os.exit: code must be a boolean or an integer")
    runtime.stop(exit_code)


@lua_exporter(name="setRequestHandler", raw=True, with_runtime=True)
def set_request_handler(runtime: Runtime, method: Any, fn: Any) -> None:
    """_PY.setRequestHandler(method, fn|nil): Requests for `method` call fn(params...)."""
    if not isinstance(method, bytes):
        raise TypeError("setRequestHandler: method must be a string")
    name = method.decode("utf-8", "replace")
    if fn is None:
        runtime.lua_request_handlers.pop(name, None)
    elif lua53.lua_type(fn) == "function":
        runtime.lua_request_handlers[name] = fn
    else:
        raise TypeError("setRequestHandler: handler must be a function")


@lua_exporter(name="getRuntimeState", with_runtime=True)
def get_runtime_state(runtime: Runtime) -> dict[str, Any]:
    """_PY.getRuntimeState() -> {pendingTimers=, pendingOperations=, callbacksRun=, uptime=, ...}."""
    return runtime.state()
