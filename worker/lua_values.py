"""Lua values <-> plain Python (wire) values, by the table in `plua2.shared.codec`.

Theory of operation
-------------------
The runtime runs lupa with `encoding=None`, so a Lua string reaches Python as `bytes` and only
`bytes` reach Lua as a string (a Python `str` would arrive as an opaque userdata). This module is the
one place that crosses that line:

- `lua_to_wire(v)`: nil/boolean/integer/float as themselves; a string as `str` when it is valid
  UTF-8, else `bytes`; a table with keys exactly 1..n (n >= 1) as a list; `{}` as `[]`; any other
  table as a dict (keys str/bytes/int/float/bool). Functions, threads and userdata are refused
  (`LuaValueError`), unless a `fallback` turns them into something sendable. Nesting deeper than
  `MAX_DEPTH` is refused; a cycle is, too, since it nests without end.
- `lua_to_python(v)`: the same, except that a function at the top level passes through untouched
  (so `_PY.f(callback)` works).
- `wire_to_lua(lua, v)`: None -> nil, str -> UTF-8 string, bytes -> string, list/tuple -> table
  1..n (a None element is a hole), dict -> table (None values are left out), ints outside Lua's
  64-bit range -> float.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lupa import lua53

__all__ = ["MAX_DEPTH", "LuaValueError", "lua_to_python", "lua_to_wire", "wire_to_lua"]

MAX_DEPTH = 200

_lua_type = lua53.lua_type
_MAXINT = lua53.LUA_MAXINTEGER
_MININT = lua53.LUA_MININTEGER
_SCALARS = (bool, int, float)


class LuaValueError(ValueError):
    """A Lua value that cannot cross to the wire (a function, a cycle, too deep...)."""


def _string(b: bytes) -> str | bytes:
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b


def lua_to_wire(value: Any, fallback: Callable[[Any], Any] | None = None) -> Any:
    """A plain msgpack-able value for a Lua value. Raises LuaValueError."""
    if value is None or isinstance(value, _SCALARS):
        return value
    if isinstance(value, bytes):
        return _string(value)
    return _convert(value, 0, fallback)


def lua_to_python(value: Any) -> Any:
    """Like `lua_to_wire`, but a function at the top level is passed through as is."""
    if value is None or isinstance(value, _SCALARS):
        return value
    if isinstance(value, bytes):
        return _string(value)
    if _lua_type(value) == "function":
        return value
    return _convert(value, 0, None)


def _convert(value: Any, depth: int, fallback: Callable[[Any], Any] | None) -> Any:
    if value is None or isinstance(value, _SCALARS):
        return value
    if isinstance(value, bytes):
        return _string(value)
    kind = _lua_type(value)
    if kind != "table":
        if fallback is not None:
            return fallback(value)
        raise LuaValueError(f"a {kind or 'Python object'} cannot be sent")
    if depth >= MAX_DEPTH:
        raise LuaValueError(f"table nested deeper than {MAX_DEPTH} levels (or a cycle)")
    depth += 1
    items = list(value.items())
    n = len(items)
    if n == 0:
        return []
    # keys exactly 1..n <=> every key is a (non-bool) int in 1..n, since Lua keys are unique
    if all(type(k) is int and 0 < k <= n for k, _ in items):
        out: list[Any] = [None] * n
        for k, v in items:
            out[k - 1] = _convert(v, depth, fallback)
        return out
    result: dict[Any, Any] = {}
    for k, v in items:
        if isinstance(k, bytes):
            key: Any = _string(k)
        elif isinstance(k, _SCALARS):
            key = k
        else:
            raise LuaValueError(
                f"a table key of type {_lua_type(k) or 'Python object'} cannot be sent"
            )
        result[key] = _convert(v, depth, fallback)
    if len(result) != n:
        raise LuaValueError("table keys collide on the wire (true and 1?)")
    return result


def wire_to_lua(lua: lua53.LuaRuntime, value: Any) -> Any:
    """The Lua value (lupa object) for a plain Python value."""
    return _to_lua(lua, value, 0)


def _to_lua(lua: lua53.LuaRuntime, value: Any, depth: int) -> Any:
    if value is None or isinstance(value, bool | float | bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    if isinstance(value, int):
        return value if _MININT <= value <= _MAXINT else float(value)
    if depth >= MAX_DEPTH:
        raise LuaValueError(f"value nested deeper than {MAX_DEPTH} levels")
    depth += 1
    if isinstance(value, list | tuple):
        table = lua.table()
        for i, v in enumerate(value, 1):
            if v is not None:
                table[i] = _to_lua(lua, v, depth)
        return table
    if isinstance(value, dict):
        table = lua.table()
        for k, v in value.items():
            if v is not None and k is not None:
                table[_to_lua(lua, k, depth)] = _to_lua(lua, v, depth)
        return table
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    raise LuaValueError(f"a Python {type(value).__name__} cannot become a Lua value")
