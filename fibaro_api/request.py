"""Checking what a client sent: query values and JSON bodies, refusing bad input with 400.

Every helper raises `BadRequest` (never anything else) so that a handler written with them cannot
answer 500 on bad input: wrong JSON types, missing fields, numbers that are not numbers.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import BadRequest
from .router import MalformedBody, Query

__all__ = [
    "body_object",
    "field",
    "optional_field",
    "parse_body",
    "query_bool",
    "query_int",
    "query_str",
]

_MISSING = object()


def parse_body(raw: bytes) -> Any:
    """Raw request bytes -> the body a handler gets (None, a JSON value or `MalformedBody`)."""
    if not raw or not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return MalformedBody(raw)


def body_object(body: Any, *, allow_empty: bool = False) -> dict[str, Any]:
    """The body as a JSON object, or 400."""
    if body is None and allow_empty:
        return {}
    if isinstance(body, MalformedBody):
        raise BadRequest("the request body is not valid JSON")
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    return body


def field(obj: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    """A required field of a given JSON type (bool is never accepted as an int)."""
    value = obj.get(name, _MISSING)
    if value is _MISSING:
        raise BadRequest(f"missing field '{name}'")
    return _check(name, value, kind)


def optional_field(
    obj: dict[str, Any], name: str, kind: type | tuple[type, ...], default: Any
) -> Any:
    value = obj.get(name, _MISSING)
    if value is _MISSING or value is None:
        return default
    return _check(name, value, kind)


def _check(name: str, value: Any, kind: type | tuple[type, ...]) -> Any:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise BadRequest(f"field '{name}' has the wrong type")
    if not isinstance(value, kinds):
        raise BadRequest(f"field '{name}' has the wrong type")
    return value


def query_str(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def query_int(query: Query, name: str, default: int | None = None) -> int | None:
    text = query_str(query, name)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        try:
            as_float = float(text)
        except ValueError:
            raise BadRequest(f"query parameter '{name}' must be a number") from None
        if as_float != as_float or as_float in (float("inf"), float("-inf")):
            raise BadRequest(f"query parameter '{name}' must be a number") from None
        return int(as_float)


def query_bool(query: Query, name: str) -> bool | None:
    text = query_str(query, name)
    if text is None or text == "":
        return None
    lowered = text.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise BadRequest(f"query parameter '{name}' must be true or false")
