"""Lua <-> wire values, by the table in shared/codec.py."""

from __future__ import annotations

import msgpack
import pytest
from lupa import lua53
from plua2.worker.lua_values import LuaValueError, lua_to_python, lua_to_wire, wire_to_lua


@pytest.fixture(scope="module")
def lua() -> lua53.LuaRuntime:
    return lua53.LuaRuntime(register_eval=False, register_builtins=False, encoding=None)


def from_lua(lua: lua53.LuaRuntime, expr: str):
    return lua_to_wire(lua.eval(expr))


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("nil", None),
        ("true", True),
        ("42", 42),
        ("2.0", 2.0),
        ("7//2", 3),
        ("'héllo'", "héllo"),
        ("'\\255\\0x'", b"\xff\x00x"),
        ("{}", []),
        ("{1, 2, 3}", [1, 2, 3]),
        ("{1, nil, 3}", {1: 1, 3: 3}),
        ("{a = 1, [2] = 'x'}", {"a": 1, 2: "x"}),
        ("{[1.5] = true}", {1.5: True}),
        ("{{}, {a = {1}}}", [[], {"a": [1]}]),
    ],
)
def test_lua_to_wire(lua, expr, expected) -> None:
    value = from_lua(lua, expr)
    assert value == expected
    assert type(value) is type(expected)


def test_float_and_integer_subtypes_are_kept(lua) -> None:
    assert type(from_lua(lua, "2.0")) is float
    assert type(from_lua(lua, "2")) is int
    assert type(from_lua(lua, "2^53")) is float


@pytest.mark.parametrize("expr", ["print", "coroutine.create(print)", "{f = print}"])
def test_functions_and_threads_are_refused(lua, expr) -> None:
    with pytest.raises(LuaValueError):
        from_lua(lua, expr)


def test_cycles_and_deep_nesting_are_refused(lua) -> None:
    with pytest.raises(LuaValueError, match="deeper than 200"):
        from_lua(lua, "(function() local t = {} t.self = t return t end)()")
    with pytest.raises(LuaValueError, match="deeper"):
        from_lua(lua, "(function() local t = {} for i = 1, 300 do t = {t} end return t end)()")
    assert from_lua(lua, "(function() local t = {} for i = 1, 150 do t = {t} end return t end)()")


def test_fallback_describes_unsendable_values(lua) -> None:
    assert lua_to_wire(lua.eval("{print}"), fallback=lambda v: "fn") == ["fn"]


def test_top_level_function_passes_through_for_host_functions(lua) -> None:
    fn = lua.eval("print")
    assert lua_to_python(fn) is fn


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -5,
        2**62,
        1.5,
        2.0,
        "",
        "ünï",
        b"\xff\xfe",
        [],
        [1, "a", [2.0]],
        {"a": {"b": [1, 2]}},
        {1: "x", 3: "y"},
    ],
)
def test_wire_round_trip(lua, value) -> None:
    back = lua_to_wire(wire_to_lua(lua, value))
    assert back == value
    assert type(back) is type(value)
    # and what comes out is plain msgpack
    assert msgpack.unpackb(msgpack.packb(back, use_bin_type=True), strict_map_key=False) == value


def test_wire_to_lua_types(lua) -> None:
    check = lua.eval("function(v) return math.type(v) or type(v) end")
    assert check(wire_to_lua(lua, 3)) == b"integer"
    assert check(wire_to_lua(lua, 3.0)) == b"float"
    assert check(wire_to_lua(lua, "s")) == b"string"
    assert check(wire_to_lua(lua, 2**70)) == b"float"
    holes = wire_to_lua(lua, [1, None, 3])
    assert lua.eval("function(t) return t[1], t[2], t[3] end")(holes) == (1, None, 3)
    assert lua_to_wire(wire_to_lua(lua, {"a": None, "b": 1})) == {"b": 1}


def test_unknown_python_values_are_refused(lua) -> None:
    with pytest.raises(LuaValueError):
        wire_to_lua(lua, object())
