"""A small router of our own: (method, path template) -> handler(params, query, body).

Theory of operation
-------------------
The same router serves the HTTP front end (`app.py`) and, in-process, the QuickApp workers'
`api.get/post/put/delete` calls (`Api.call`): neither needs the other, and no HTTP is involved in the
second. A handler takes `(params, query, body)`:

- `params`: the path parameters, already converted (`{id:int}` gives an int; a segment that is not
  an int is a `BadRequest`, never a silent non-match);
- `query`: `{name: [values...]}` as `urllib.parse.parse_qs` gives it (helpers in `request.py`);
- `body`: the decoded JSON body, `None` when there was none, or a `MalformedBody` holding the raw
  bytes when they were not JSON (most handlers refuse it with 400; the action handler accepts it,
  as a real HC3 tolerates fiblary3's broken action bodies);

and returns `(status, data)`: `data` is anything `json.dumps` takes, `None` for no body, or a
`RawJSON` holding bytes already serialised (the hot reads keep their JSON ready).

Resolution order for a request: an exact static path, then the templates with the same number of
segments. When nothing matches: a path that plua2 serves with another method is 405; a method and
path that the HC3 has (`hc3_paths.HC3_PATHS`, generated from the HC3's OpenAPI files) is 501 naming
it; anything else is 404. Every refusal is an `HC3Error`, shaped in `errors.error_body` only.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import BadRequest, HC3Error, MethodNotAllowed, NotFound, NotImplementedYet, error_body

__all__ = [
    "Handler",
    "MalformedBody",
    "Query",
    "RawJSON",
    "Reply",
    "Router",
    "dumps",
]

log = logging.getLogger(__name__)

Query = Mapping[str, list[str]]
Reply = tuple[int, Any]
Handler = Callable[[dict[str, Any], Query, Any], Reply | Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class RawJSON:
    """A response body that is already JSON bytes."""

    data: bytes


@dataclass(frozen=True, slots=True)
class MalformedBody:
    """A request body that was present but not valid JSON."""

    raw: bytes


def dumps(data: Any) -> bytes:
    """The one JSON encoder of the API (compact, UTF-8)."""
    if isinstance(data, RawJSON):
        return data.data
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(slots=True)
class _Route:
    method: str
    template: str
    segments: tuple[str, ...]
    #: per segment: None for a literal, else (name, converter)
    slots: tuple[tuple[str, Callable[[str], Any]] | None, ...]
    handler: Handler
    is_async: bool


def _int_param(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise BadRequest(f"'{text}' is not a valid id") from None


_CONVERTERS: dict[str, Callable[[str], Any]] = {"int": _int_param, "str": str}


def _split(path: str) -> tuple[str, ...]:
    return tuple(path.strip("/").split("/")) if path.strip("/") else ()


def _template_matches(template: tuple[str, ...], segments: tuple[str, ...]) -> bool:
    if len(template) != len(segments):
        return False
    return all(t.startswith("{") or t == s for t, s in zip(template, segments, strict=True))


class Router:
    """Method + path template -> handler; see the module docstring."""

    def __init__(self, known: Iterable[tuple[str, str]] = ()) -> None:
        self._static: dict[tuple[str, str], _Route] = {}
        self._dynamic: dict[int, list[_Route]] = {}
        self._known = [(m.upper(), _split(p)) for m, p in known]

    # registration -------------------------------------------------------------------------
    def add(self, method: str, template: str, handler: Handler) -> None:
        segments = _split(template)
        slots: list[tuple[str, Callable[[str], Any]] | None] = []
        for seg in segments:
            if seg.startswith("{") and seg.endswith("}"):
                name, _, kind = seg[1:-1].partition(":")
                slots.append((name, _CONVERTERS[kind or "str"]))
            else:
                slots.append(None)
        route = _Route(
            method.upper(),
            template,
            segments,
            tuple(slots),
            handler,
            inspect.iscoroutinefunction(handler),
        )
        if all(s is None for s in slots):
            self._static[(route.method, "/" + "/".join(segments))] = route
        else:
            self._dynamic.setdefault(len(segments), []).append(route)

    def route(self, method: str, template: str) -> Callable[[Handler], Handler]:
        """Decorator form of `add`."""

        def register(handler: Handler) -> Handler:
            self.add(method, template, handler)
            return handler

        return register

    def routes(self) -> list[tuple[str, str]]:
        """Every (method, template) served, for tests and docs."""
        out = [(r.method, r.template) for r in self._static.values()]
        for group in self._dynamic.values():
            out.extend((r.method, r.template) for r in group)
        return sorted(out)

    # resolution ---------------------------------------------------------------------------
    def resolve(self, method: str, path: str) -> tuple[_Route, dict[str, Any]]:
        method = method.upper()
        if method == "HEAD":
            method = "GET"
        route = self._static.get((method, path))
        if route is None and path.endswith("/") and len(path) > 1:
            path = path.rstrip("/")
            route = self._static.get((method, path))
        if route is not None:
            return route, {}
        segments = _split(path)
        other_method = False
        for candidate in self._dynamic.get(len(segments), ()):
            if not _template_matches(candidate.segments, segments):
                continue
            if candidate.method != method:
                other_method = True
                continue
            params: dict[str, Any] = {}
            for slot, seg in zip(candidate.slots, segments, strict=True):
                if slot is not None:
                    params[slot[0]] = slot[1](seg)
            return candidate, params
        if not other_method:
            other_method = any(
                m != method and p == path for (m, p) in self._static
            )  # pragma: no branch
        if any(m == method and _template_matches(t, segments) for m, t in self._known):
            raise NotImplementedYet(f"plua2 does not implement {method} {path} yet")
        if other_method:
            raise MethodNotAllowed(f"{method} is not allowed on {path}")
        raise NotFound(f"no such path: {path}")

    async def dispatch(self, method: str, path: str, query: Query, body: Any) -> Reply:
        """Run the handler for a request; every refusal becomes an HC3 error reply."""
        try:
            route, params = self.resolve(method, path)
            if route.is_async:
                return await route.handler(params, query, body)  # type: ignore[misc]
            return route.handler(params, query, body)  # type: ignore[return-value]
        except HC3Error as error:
            return error.status, error_body(error)
        except Exception:
            log.exception("plua2 bug while serving %s %s", method, path)
            return 500, {"type": "ERROR", "reason": "INTERNAL_ERROR", "message": "internal error"}
