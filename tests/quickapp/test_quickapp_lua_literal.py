"""The safe Lua-literal parser of header values (plua2.fibaro_api.headers_literal)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from plua2.fibaro_api.headers_literal import (
    LuaLiteralError,
    NotALiteral,
    parse_lua_literal,
    to_lua_literal,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("nil", None),
        ("true", True),
        ("false", False),
        ("42", 42),
        ("-7", -7),
        ("0x1F", 31),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("'single'", "single"),
        ('"double"', "double"),
        ('"it\'s"', "it's"),
        (r'"a\tb\nc\\d\"e"', 'a\tb\nc\\d"e'),
        (r'"\65\x42\u{43}"', "ABC"),
        ('"a\\z   b"', "ab"),
        ("[[long\nstring]]", "long\nstring"),
        ("[==[with ]] inside]==]", "with ]] inside"),
        ("{}", []),
        ("{1, 2, 3}", [1, 2, 3]),
        ("{1; 2; 3,}", [1, 2, 3]),
        ("{a=1, ['b c']=2}", {"a": 1, "b c": 2}),
        ("{[1]='x', [2]='y'}", ["x", "y"]),
        ("{1, nil, 3}", {1: 1, 3: 3}),
        ("{a=nil}", []),
        ("{'x', k='v'}", {1: "x", "k": "v"}),
        (
            "{button='b1',text='Press',onReleased='pressed'}",
            {"button": "b1", "text": "Press", "onReleased": "pressed"},
        ),
        (
            "{ {type='option', text='A', value='a'} }",
            [{"type": "option", "text": "A", "value": "a"}],
        ),
        ("{1, -- a comment\n 2}", [1, 2]),
        ("  'padded'  ", "padded"),
    ],
)
def test_literals_parse_to_json_values(text: str, value: Any) -> None:
    assert parse_lua_literal(text) == value


@pytest.mark.parametrize(
    "text", ["config.ip", 'os.getenv("X")', "1 + 2", "{x = y}", "-x", "a", "'a' .. 'b'", "f()"]
)
def test_expressions_are_not_literals(text: str) -> None:
    with pytest.raises(NotALiteral):
        parse_lua_literal(text)


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("", 1),
        ('"unterminated', 1),
        ("{x=1", 5),
        ("{x=}", 4),
        ("{1 2}", 4),
        ("@", 1),
        (r'"\q"', 2),
        ("[[never closed", 1),
        ("12abc", 1),
        ("{[nil]=1}", 2),
    ],
)
def test_bad_syntax_is_an_error_with_its_column(text: str, column: int) -> None:
    with pytest.raises(LuaLiteralError) as info:
        parse_lua_literal(text)
    assert not isinstance(info.value, NotALiteral)
    assert info.value.column == column


def test_nothing_is_executed() -> None:
    with pytest.raises(NotALiteral):
        parse_lua_literal("(function() os.exit() end)()")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner.filter(lambda v: v is not None), min_size=1, max_size=4)
        | st.dictionaries(st.text(min_size=1), inner.filter(lambda v: v is not None), min_size=1)
    ),
    max_leaves=12,
)


@given(json_values)
def test_to_lua_literal_reads_back_equal(value: Any) -> None:
    assert parse_lua_literal(to_lua_literal(value)) == value


def test_to_lua_literal_refuses_what_lua_cannot_write() -> None:
    with pytest.raises(ValueError):
        to_lua_literal(float("nan"))
    with pytest.raises(ValueError):
        to_lua_literal(object())
