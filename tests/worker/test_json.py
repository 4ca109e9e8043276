"""json.encode / json.decode as Lua code sees them (HC3-compatible), and their speed."""

from __future__ import annotations

import json as pyjson
import time

import pytest
from plua2.worker.lua_values import lua_to_wire
from worker_helpers import make_runtime


@pytest.fixture(scope="module")
def lua():
    runtime, _host = make_runtime()
    return runtime.lua


def run(lua, code: str):
    return lua.eval(f"(function() {code} end)()")


def encode(lua, expr: str) -> str:
    return run(lua, f"return json.encode({expr})").decode()


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("{}", "[]"),
        ("{1, 2, 3}", "[1,2,3]"),
        ("{a = 1}", '{"a":1}'),
        ("{a = {}}", '{"a":[]}'),
        ("{{a = {1, {b = true}}}}", '[{"a":[1,{"b":true}]}]'),
        ("3", "3"),
        ("2.0", "2.0"),
        ("0.1", "0.1"),
        ("-1.5e300", "-1.5e+300"),
        ("'x'", '"x"'),
        ("'a\"b\\\\c\\n\\t\\1'", '"a\\"b\\\\c\\n\\t\\u0001"'),
        ("'ü€😀'", '"ü€😀"'),
        ("true", "true"),
        ("{[1] = 'a', [3] = 'c'}", None),  # holes: an object with string keys
        ("json.util.InitArray({})", "[]"),
        ("json.util.InitArray({[1] = 1, [3] = 3})", "[1,null,3]"),
        ("json.util.InitObject({})", "{}"),
        ("{[5] = 1}", '{"5":1}'),
    ],
)
def test_encode(lua, expr, expected) -> None:
    text = encode(lua, expr)
    if expected is None:
        assert pyjson.loads(text) == {"1": "a", "3": "c"}
    else:
        assert text == expected


def test_init_array_returns_its_table(lua) -> None:
    assert run(lua, "local t = {} return json.util.InitArray(t) == t") is True


def test_floats_round_trip_and_integers_stay_integers(lua) -> None:
    code = """
    local values = {0.1, 1/3, 2.0, -0.0, 1e-300, 123456789.123, 2^53, 2^63, math.pi, 7, -3, math.maxinteger}
    for _, v in ipairs(values) do
      local back = json.decode(json.encode(v))
      if back ~= v or math.type(back) ~= math.type(v) then
        return tostring(v) .. " came back as " .. tostring(back)
      end
    end
    return "ok"
    """
    assert run(lua, code) == b"ok"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a":1,"b":[1,2,{"c":null}],"d":"x"}', {"a": 1, "b": [1, 2, []], "d": "x"}),
        ("[]", []),
        ("{}", []),
        ('"\\u00fc\\u20ac\\ud83d\\ude00\\n\\"\\/"', 'ü€😀\n"/'),
        ('"ü€😀"', "ü€😀"),
        (" [1, 2.5, -3e2, true, false] ", [1, 2.5, -300.0, True, False]),
        ("[1,null,3]", {1: 1, 3: 3}),
        ("12345678901234", 12345678901234),
    ],
)
def test_decode(lua, text, expected) -> None:
    decode = lua.eval("json.decode")
    value = lua_to_wire(decode(text.encode()))
    assert value == expected
    assert type(value) is type(expected)


def test_decode_keeps_integer_and_float_subtypes(lua) -> None:
    assert run(lua, "return math.type(json.decode('3')), math.type(json.decode('3.0'))") == (
        b"integer",
        b"float",
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{", "end of input"),
        ('{"a" 1}', "expected ':'"),
        ("[1,]", "unexpected character"),
        ("[1 2]", "expected ','"),
        ('"abc', "unterminated string"),
        ("tru", "unexpected character"),
        ("[1] x", "trailing characters"),
        ("01", "bad number"),
        ('"\\x"', "bad escape"),
        ("", "end of input"),
    ],
)
def test_decode_errors_are_clear_lua_errors(lua, text, fragment) -> None:
    ok, message = lua.eval("function(s) return pcall(json.decode, s) end")(text.encode())
    assert ok is False
    assert b"json.decode" in message and fragment.encode() in message


@pytest.mark.parametrize(
    ("expr", "fragment"),
    [
        ("print", "cannot encode a function"),
        ("{f = print}", "cannot encode a function"),
        ("0/0", "cannot encode"),
        ("{[{}] = 1}", "table key of type table"),
        ("(function() local t = {} t[1] = t return t end)()", "cyclic"),
    ],
)
def test_encode_errors_are_clear_lua_errors(lua, expr, fragment) -> None:
    ok, message = run(lua, f"return pcall(json.encode, {expr})")
    assert ok is False
    assert b"json.encode" in message and fragment.encode() in message


def test_decode_rejects_non_strings(lua) -> None:
    ok, message = run(lua, "return pcall(json.decode, 42)")
    assert ok is False and b"expected a string" in message


DEVICE = {
    "id": 5001,
    "name": "Living room lamp",
    "roomID": 219,
    "type": "com.fibaro.binarySwitch",
    "baseType": "com.fibaro.actor",
    "enabled": True,
    "visible": True,
    "interfaces": ["light", "quickApp", "energy", "power"],
    "properties": {
        "value": False,
        "power": 12.5,
        "energy": 3.25,
        "quickAppVariables": [{"name": f"var{i}", "value": i} for i in range(10)],
        "uiCallbacks": [{"name": "button1", "eventType": "onReleased", "callback": "turnOn"}],
        "viewLayout": {
            "$jason": {
                "body": {"header": {"style": {"height": "0"}, "title": "quickApp_device_5001"}}
            }
        },
        "log": "",
        "manufacturer": "",
    },
    "actions": {"turnOn": 0, "turnOff": 0, "toggle": 0, "setValue": 1},
    "created": 1700000000,
    "modified": 1700000001,
    "sortOrder": 12,
}


def test_speed(lua) -> None:
    """Typical payload: one HC3 device (~1 KB). Prints the rates; asserts only a sane floor."""
    text = pyjson.dumps([DEVICE] * 10).encode()
    bench = lua.eval(
        """function(text, n)
          local clock = os.clock
          local t0 = clock()
          local value
          for i = 1, n do value = json.decode(text) end
          local t1 = clock()
          for i = 1, n do json.encode(value) end
          return t1 - t0, clock() - t1
        end"""
    )
    n = 200
    decode_s, encode_s = bench(text, n)
    size_kb = len(text) / 1024
    print(
        f"\njson.decode {n * size_kb / decode_s / 1024:.1f} MB/s, json.encode {n * size_kb / encode_s / 1024:.1f} MB/s ({size_kb:.1f} KB payload)"
    )
    assert (
        pyjson.loads(run(lua, "return json.encode(json.decode([==[" + text.decode() + "]==]))"))
        == [DEVICE] * 10
    )
    t0 = time.perf_counter()
    assert decode_s / n < 0.01 and encode_s / n < 0.01
    assert time.perf_counter() - t0 < 1
