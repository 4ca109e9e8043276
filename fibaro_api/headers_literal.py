"""Lua literals in `--%%` header values: parse them safely, and write them back.

Theory of operation
-------------------
Header values such as `--%%var=ip:"10.0.0.5"` or `--%%u={button='b1',text='Press'}` are Lua
expressions. plua2 never runs them: a small lexer and a recursive-descent parser accept only
*literals* (nil, booleans, numbers, strings in every Lua spelling, tables) and map them to JSON-able
Python values. Anything else (a name such as `config.ip`, a call, an operator) is not an error of
the file but something plua2 will not evaluate: `NotALiteral` lets the caller keep the raw text and
warn. Broken syntax (an unterminated string or table, a stray character) is `LuaLiteralError`.

Mapping (the same rule as the wire codec in `plua2.shared.codec`):

| Lua                                   | Python                               |
|---------------------------------------|--------------------------------------|
| `nil`, `true`, `false`                | `None`, `True`, `False`              |
| `42`, `0x1F`, `-3`                    | `int`                                |
| `1.5`, `1e3`                          | `float`                              |
| `'a'`, `"a"`, `[[a]]`, `[==[a]==]`    | `str`                                |
| `{}` (the empty table)                | `[]`                                 |
| `{1, 2, 3}` (keys exactly 1..n)       | `list`                               |
| `{a=1, ["b"]=2}` and mixed tables     | `dict` (integer keys stay `int`)     |

A `nil` value in a table field leaves the field out, as in Lua. `to_lua_literal` writes any such
Python value back as Lua source that `parse_lua_literal` reads to an equal value.
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

__all__ = ["LuaLiteralError", "NotALiteral", "parse_lua_literal", "to_lua_literal"]


class LuaLiteralError(ValueError):
    """Bad Lua syntax in a literal. `column` is 1-based within the parsed text."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"column {column}: {message}")
        self.message = message
        self.column = column


class NotALiteral(LuaLiteralError):
    """Valid-looking Lua that is an expression, not a literal; plua2 does not evaluate it."""


class _Token(NamedTuple):
    kind: str  # "name", "number", "string", "op", "eof"
    value: Any
    pos: int


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(
    r"0[xX](?:[0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?"
    r"|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
)
_LONG_OPEN = re.compile(r"\[(=*)\[")
_OPS = ("...", "..", "==", "~=", "<=", ">=", "<<", ">>", "//", "::")
_SINGLE_OPS = set("{}[]()=,;+-*/%^#&~|<>.:")
_SIMPLE_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "\\": "\\",
    '"': '"',
    "'": "'",
    "\n": "\n",
}


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n\f\v":
            i += 1
        elif text.startswith("--", i):
            long = _LONG_OPEN.match(text, i + 2)
            if long:
                _, i = _long_bracket(text, i + 2, long)
            else:
                end = text.find("\n", i)
                i = n if end < 0 else end + 1
        elif c.isalpha() or c == "_":
            m = _NAME.match(text, i)
            assert m is not None
            tokens.append(_Token("name", m.group(), i))
            i = m.end()
        elif c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = _NUMBER.match(text, i)
            if m is None or (m.end() < n and (text[m.end()].isalnum() or text[m.end()] == "_")):
                raise LuaLiteralError("malformed number", i + 1)
            tokens.append(_Token("number", _number(m.group()), i))
            i = m.end()
        elif c in "'\"":
            value, i2 = _short_string(text, i)
            tokens.append(_Token("string", value, i))
            i = i2
        elif c == "[" and _LONG_OPEN.match(text, i):
            long = _LONG_OPEN.match(text, i)
            assert long is not None
            value, i2 = _long_bracket(text, i, long)
            tokens.append(_Token("string", value, i))
            i = i2
        else:
            op = next((o for o in _OPS if text.startswith(o, i)), None)
            if op is None and c in _SINGLE_OPS:
                op = c
            if op is None:
                raise LuaLiteralError(f"unexpected character {c!r}", i + 1)
            tokens.append(_Token("op", op, i))
            i += len(op)
    tokens.append(_Token("eof", None, n))
    return tokens


def _number(text: str) -> int | float:
    lower = text.lower()
    if lower.startswith("0x"):
        if "." in lower or "p" in lower:
            return float.fromhex(text)
        return int(text, 16)
    if any(ch in lower for ch in ".e"):
        return float(text)
    return int(text)


def _long_bracket(text: str, start: int, opening: re.Match[str]) -> tuple[str, int]:
    close = "]" + opening.group(1) + "]"
    body_start = opening.end()
    end = text.find(close, body_start)
    if end < 0:
        raise LuaLiteralError("unfinished long string or comment", start + 1)
    body = text[body_start:end]
    if body.startswith("\r\n"):
        body = body[2:]
    elif body.startswith("\n"):
        body = body[1:]
    return body, end + len(close)


def _short_string(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    out: list[str] = []
    i, n = start + 1, len(text)
    while True:
        if i >= n or text[i] == "\n":
            raise LuaLiteralError("unfinished string", start + 1)
        c = text[i]
        if c == quote:
            return "".join(out), i + 1
        if c != "\\":
            out.append(c)
            i += 1
            continue
        if i + 1 >= n:
            raise LuaLiteralError("unfinished string", start + 1)
        e = text[i + 1]
        if e in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[e])
            i += 2
        elif e == "x":
            m = re.compile(r"[0-9a-fA-F]{2}").match(text, i + 2)
            if m is None:
                raise LuaLiteralError("hexadecimal digit expected in \\x escape", i + 1)
            out.append(chr(int(m.group(), 16)))
            i = m.end()
        elif e == "z":
            i += 2
            while i < n and text[i] in " \t\r\n\f\v":
                i += 1
        elif e == "u":
            m = re.compile(r"\{([0-9a-fA-F]+)\}").match(text, i + 2)
            if m is None or int(m.group(1), 16) > 0x10FFFF:
                raise LuaLiteralError("malformed \\u{XXX} escape", i + 1)
            out.append(chr(int(m.group(1), 16)))
            i = m.end()
        elif e.isdigit():
            m = re.compile(r"\d{1,3}").match(text, i + 1)
            assert m is not None
            code = int(m.group())
            if code > 255:
                raise LuaLiteralError("decimal escape too large", i + 1)
            out.append(chr(code))
            i = m.end()
        else:
            raise LuaLiteralError(f"invalid escape sequence '\\{e}'", i + 1)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _lex(text)
        self.i = 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def is_op(self, op: str) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.value == op

    def expect(self, op: str) -> None:
        tok = self.take()
        if tok.kind != "op" or tok.value != op:
            raise self.unexpected(tok, f"'{op}' expected")

    def unexpected(self, tok: _Token, what: str) -> LuaLiteralError:
        if tok.kind == "name" and tok.value not in ("nil", "true", "false"):
            return NotALiteral(f"'{tok.value}' is a name, not a literal", tok.pos + 1)
        if tok.kind == "op" and tok.value not in "{}[]=,;":
            return NotALiteral(f"operator '{tok.value}' is not allowed in a literal", tok.pos + 1)
        near = "end of text" if tok.kind == "eof" else repr(tok.value)
        return LuaLiteralError(f"{what} near {near}", tok.pos + 1)

    def value(self) -> Any:
        tok = self.peek()
        if tok.kind == "op" and tok.value == "-":
            self.take()
            nxt = self.take()
            if nxt.kind != "number":
                raise self.unexpected(nxt, "number expected after '-'")
            return -nxt.value
        self.take()
        if tok.kind in ("number", "string"):
            return tok.value
        if tok.kind == "name" and tok.value in ("nil", "true", "false"):
            return {"nil": None, "true": True, "false": False}[tok.value]
        if tok.kind == "op" and tok.value == "{":
            return self.table(tok)
        raise self.unexpected(tok, "value expected")

    def table(self, opening: _Token) -> Any:
        array: list[Any] = []
        fields: dict[Any, Any] = {}
        while not self.is_op("}"):
            if self.peek().kind == "eof":
                raise LuaLiteralError("unfinished table ('}' expected)", opening.pos + 1)
            tok = self.peek()
            nxt = self.tokens[self.i + 1]
            if tok.kind == "name" and nxt.kind == "op" and nxt.value == "=":
                self.i += 2
                key: Any = tok.value
                val = self.value()
            elif self.is_op("["):
                self.take()
                key = self.value()
                self.expect("]")
                self.expect("=")
                val = self.value()
                if key is None:
                    raise LuaLiteralError("table index is nil", tok.pos + 1)
            else:
                key = None
                array.append(self.value())
            if key is not None and val is not None:
                fields[key] = val
            if self.is_op(",") or self.is_op(";"):
                self.take()
            elif not self.is_op("}"):
                raise self.unexpected(self.peek(), "'}' expected")
        self.take()
        if not fields and None not in array:
            return array
        merged = dict(fields)
        merged.update({i + 1: v for i, v in enumerate(array) if v is not None})
        if set(merged) == set(range(1, len(merged) + 1)):
            return [merged[k] for k in range(1, len(merged) + 1)]
        return merged


def parse_lua_literal(text: str) -> Any:
    """The Python value of one Lua literal; `NotALiteral` or `LuaLiteralError` otherwise."""
    parser = _Parser(text)
    if parser.peek().kind == "eof":
        raise LuaLiteralError("value expected", 1)
    result = parser.value()
    tail = parser.peek()
    if tail.kind != "eof":
        raise parser.unexpected(tail, "end of value expected")
    return result


_LUA_KEYWORDS = frozenset(
    "and break do else elseif end false for function goto if in local nil not or repeat return "
    "then true until while".split()
)


def _lua_string(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\{ord(ch):03d}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def to_lua_literal(value: Any) -> str:
    """Lua source for a JSON-able value, on one line; `parse_lua_literal` reads it back equal."""
    if value is None:
        return "nil"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"{value} has no Lua literal")
        text = repr(value)
        return text if any(c in text for c in ".e") else text + ".0"
    if isinstance(value, str):
        return _lua_string(value)
    if isinstance(value, list | tuple):
        return "{" + ",".join(to_lua_literal(v) for v in value) + "}"
    if isinstance(value, dict):
        parts = []
        for key, val in value.items():
            if isinstance(key, str) and _NAME.fullmatch(key) and key not in _LUA_KEYWORDS:
                parts.append(f"{key}={to_lua_literal(val)}")
            else:
                parts.append(f"[{to_lua_literal(key)}]={to_lua_literal(val)}")
        return "{" + ",".join(parts) + "}"
    raise ValueError(f"{type(value).__name__} has no Lua literal")
