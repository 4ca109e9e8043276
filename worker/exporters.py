"""Python functions that Lua code sees as `_PY.<name>`.

Theory of operation
-------------------
`@lua_exporter` records a function in a module-level registry (static definitions only: no runtime
state lives here, so a fork server may import it and fork freely). Each `Runtime` binds every
registered function when it starts and publishes it in its `_PY` table as a *Lua* closure over the
Python callable, so Lua never holds the raw Python object, and an exception raised by the function
becomes a plain Lua error string at the caller's line, never a Python object inside Lua.

Calling conventions:
- default: Lua arguments arrive converted to plain Python (`lua_values.lua_to_python`: strings as
  str, or bytes when not UTF-8; tables as list/dict; functions passed through as Lua function
  objects); the return value is converted back (`python_to_lua`); return a tuple for several values.
- `raw=True`: arguments and return value pass untouched as lupa values (Lua strings are bytes,
  return bytes, not str). For hot paths such as the timer plumbing.
- `with_runtime=True`: the function is called as `fn(runtime, *args)` with the calling `Runtime`.

    from plua2.worker.exporters import lua_exporter

    @lua_exporter
    def add(a, b):                      # _PY.add(1, 2) == 3
        return a + b

    @lua_exporter(name="hostName", with_runtime=True)
    def host_name(runtime):             # _PY.hostName()
        return "plua2"
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, overload

__all__ = ["ExportedFunction", "exported_functions", "lua_exporter"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class ExportedFunction:
    name: str
    function: Callable[..., Any]
    raw: bool
    with_runtime: bool


_REGISTRY: dict[str, ExportedFunction] = {}


@overload
def lua_exporter(func: F) -> F: ...


@overload
def lua_exporter(
    func: None = None, *, name: str | None = None, raw: bool = False, with_runtime: bool = False
) -> Callable[[F], F]: ...


def lua_exporter(
    func: F | None = None,
    *,
    name: str | None = None,
    raw: bool = False,
    with_runtime: bool = False,
) -> F | Callable[[F], F]:
    """Register `func` as `_PY.<name>` (default: the function's own name) in every new runtime."""

    def register(fn: F) -> F:
        lua_name = name or fn.__name__
        if not lua_name.isidentifier():
            raise ValueError(f"not a Lua identifier: {lua_name!r}")
        _REGISTRY[lua_name] = ExportedFunction(lua_name, fn, raw, with_runtime)
        return fn

    if func is not None:
        return register(func)
    return register


def exported_functions() -> list[ExportedFunction]:
    """Every registered function, in registration order."""
    return list(_REGISTRY.values())
