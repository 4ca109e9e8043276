"""Requests from the supervisor into a worker: a small registry of handlers by method name.

Theory of operation
-------------------
`Runtime.handle_request` looks a method up here first, then among the Lua functions registered by
Lua code with `_PY.setRequestHandler(method, fn)` (e.g. a later "action" or "uiEvent" written in
lua_runtime/), else answers "unknown method X". A handler is `fn(runtime, params) -> result`: it runs
synchronously in the loop (so it never overlaps a callback); `result` must be a plain wire value;
raising `RequestFailed(text)` answers ok=False with that text (any other exception: its class and
text). A Request with rid 0 is a notification: the handler runs, no Response is sent.

    from plua2.worker.requests import request_handler

    @request_handler("ping-lua")
    def ping_lua(runtime, params):
        return runtime.eval("return 'pong'")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .runtime import Runtime

__all__ = ["RequestFailed", "RequestHandler", "find_handler", "request_handler"]

RequestHandler = Callable[["Runtime", list[Any]], Any]

_HANDLERS: dict[str, RequestHandler] = {}


class RequestFailed(Exception):
    """Answer the request with ok=False and this text."""


def request_handler(method: str) -> Callable[[RequestHandler], RequestHandler]:
    """Register `fn(runtime, params)` as the handler of Requests for `method`."""

    def register(fn: RequestHandler) -> RequestHandler:
        _HANDLERS[method] = fn
        return fn

    return register


def find_handler(method: str) -> RequestHandler | None:
    return _HANDLERS.get(method)


@request_handler("eval")
def eval_request(runtime: Runtime, params: list[Any]) -> list[Any]:
    """params [code]: run a REPL line as a callback; the result is the list of its values."""
    if len(params) != 1 or not isinstance(params[0], str | bytes):
        raise RequestFailed("eval expects [code]")
    return runtime.eval(params[0])
