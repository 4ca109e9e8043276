"""The HTTP front end: a quart-trio application whose `/api` and `/plua` are a thin ASGI adapter
over `Api`.

Theory of operation
-------------------
`create_app(api, auth)` returns a `QuartTrio` app with the dashboard and its websocket mounted by
`plua2.webui.mount`. Its ASGI entry is wrapped by `HC3Front`, which answers every `/api/...` and
`/plua/...` request itself: check HTTP Basic auth, read the body, `api.dispatch_raw(...)`, send the
JSON. That skips Quart's request/response objects on the hot reads (`GET /api/devices/{id}` is a
cached bytes object), which is most of the per-request cost; anything else falls through to Quart.

Auth: HTTP Basic on every /api and /plua path. The outcome of checking one
`Authorization` header value is cached (a small bounded dict keyed by the exact header bytes), so a
keep-alive client costs one dict lookup per request, not a base64 decode and compare. A bad or
missing header gets 401 with an HC3 error body and `WWW-Authenticate: Basic realm="HC3"`.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from quart_trio import QuartTrio

from ..webui import mount
from .api import Api
from .errors import Unauthorized, error_body
from .router import dumps

__all__ = ["BasicAuth", "HC3Front", "create_app"]

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
MAX_BODY = 32 * 1024 * 1024
_JSON = (b"content-type", b"application/json;charset=UTF-8")
_UNAUTHORIZED = dumps(error_body(Unauthorized("wrong or missing credentials")))
_TOO_LARGE = dumps({"type": "ERROR", "reason": "PAYLOAD_TOO_LARGE", "message": "body too large"})


class BasicAuth:
    """One user name and password; decisions cached per header value."""

    def __init__(self, username: str, password: str, cache_size: int = 256) -> None:
        self.username = username
        self._expected = f"{username}:{password}".encode()
        self._cache: dict[bytes, bool] = {}
        self._cache_size = cache_size

    def check(self, header: bytes | None) -> bool:
        if header is None:
            return False
        known = self._cache.get(header)
        if known is not None:
            return known
        ok = self._decide(header)
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[header] = ok
        return ok

    def _decide(self, header: bytes) -> bool:
        scheme, _, token = header.strip().partition(b" ")
        if scheme.lower() != b"basic":
            return False
        try:
            decoded = base64.b64decode(token.strip(), validate=True)
        except ValueError:
            return False
        return hmac.compare_digest(decoded, self._expected)


class HC3Front:
    """ASGI middleware serving /api and /plua from `Api`; everything else goes to `inner`."""

    def __init__(self, api: Api, auth: BasicAuth, inner: ASGIApp) -> None:
        self.api = api
        self.auth = auth
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith(("/api/", "/plua/")) or path in ("/api", "/plua"):
                await self._serve(scope, receive, send, path)
                return
        await self.inner(scope, receive, send)

    async def _serve(self, scope: dict[str, Any], receive: Any, send: Any, path: str) -> None:
        method: str = scope["method"]
        header = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value
                break
        if not self.auth.check(header):
            await _respond(send, 401, _UNAUTHORIZED, method,
                           (b"www-authenticate", b'Basic realm="HC3"'))  # fmt: skip
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY:
                await _respond(send, 413, _TOO_LARGE, method)
                return
        query = scope["query_string"].decode("latin-1")
        status, payload = await self.api.dispatch_raw(method, path, query, body)
        await _respond(send, status, payload, method)


async def _respond(
    send: Any, status: int, payload: bytes, method: str, *extra: tuple[bytes, bytes]
) -> None:
    if status == 204:
        headers = [*extra]
        payload = b""
    else:
        headers = [_JSON, (b"content-length", str(len(payload)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else payload})


def create_app(api: Api, auth: BasicAuth, *, console: bool = True) -> QuartTrio:
    """The supervisor's web application: HC3 API and control API in front of Quart, which serves
    the dashboard (`/`, its websocket, and its Lua console unless `console=False`)."""
    app = QuartTrio("plua2")
    mount(app, api, auth, console=console)
    app.asgi_app = HC3Front(api, auth, app.asgi_app)  # type: ignore[method-assign]
    return app
