"""The dashboard's routes on the supervisor's quart-trio app: `/`, `/assets/...`, `/ws`, `/ui/eval`.

Theory of operation
-------------------
`mount(app, api, auth)` adds Quart routes; `/api` and `/plua` never reach them (app.py's
`HC3Front` answers those first), so the REST API's speed is not touched.

- `GET /` is the one page (index.html): a single-page app that draws everything from one
  websocket. It asks for the same HTTP Basic login as the API (401 + `WWW-Authenticate`, so a
  browser prompts once), and sets a session cookie (random per process, HttpOnly,
  SameSite=Strict) so that the websocket is authorised too: browsers do not reliably send Basic
  credentials with a websocket handshake, but they do send cookies.
- `GET /assets/<name>`: the page's CSS and JavaScript (assets.py), same login.
- `/ws`: the live feed (Basic or the cookie, and an `Origin` equal to the `Host` when the browser
  sends one). First message: a snapshot (feed.py); then JSON arrays of `{"t": topic, "d": data}`
  as the hub (live.py) delivers them, batched: whatever is waiting goes in one frame. Beside it,
  the connection samples the worker table every second and sends what changed. A client that
  falls too far behind is closed (1013) and reconnects to a fresh snapshot.
- `POST /ui/eval/<device id>` `{"code": "..."}`: the Lua console (lua_console.py). Basic or the
  cookie, a JSON body (so no HTML form on another site can post it) and a same-origin `Origin`
  when present. With `console=False` (`plua2 up --no-console`) it answers 403 with an HC3 error.
"""

from __future__ import annotations

import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlsplit

import trio
from quart import Response, request, websocket
from quart_trio import QuartTrio

from .assets import Asset, load_assets
from .feed import SAMPLE_PERIOD, WorkerWatch, connect_home, device_rows, rooms, snapshot
from .live import HUB, Hub, Subscription
from .lua_console import run_lua

__all__ = ["COOKIE", "mount"]

COOKIE = "plua2_session"
#: most items sent in one websocket frame
BATCH = 500
_JSON = "application/json;charset=UTF-8"


def _error(status: int, reason: str, message: str, **headers: str) -> Response:
    body = json.dumps({"type": "ERROR", "reason": reason, "message": message})
    return Response(body, status=status, content_type=_JSON, headers=headers)


def _unauthorized() -> Response:
    return _error(401, "UNAUTHORIZED", "wrong or missing credentials",
                  **{"WWW-Authenticate": 'Basic realm="HC3"'})  # fmt: skip


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), default=_fallback)


def _fallback(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def _same_origin(headers: Any) -> bool:
    origin = headers.get("origin")
    if not origin:
        return True  # not a browser (curl, a script): Basic auth is the whole check
    return urlsplit(origin).netloc == headers.get("host", "")


def mount(app: QuartTrio, api: Any, auth: Any, *, console: bool = True, hub: Hub = HUB) -> None:
    """Add the dashboard to `app`; see the module docstring."""
    assets = load_assets()
    token = secrets.token_urlsafe(32)
    home = api.home
    connect_home(hub, home)

    def basic_ok(headers: Any) -> bool:
        header = headers.get("authorization")
        return bool(header) and auth.check(header.encode("latin-1"))

    def cookie_ok(cookies: Any) -> bool:
        value = cookies.get(COOKIE)
        return bool(value) and hmac.compare_digest(value, token)

    def asset_response(asset: Asset) -> Response:
        if request.headers.get("if-none-match") == asset.etag:
            return Response(b"", status=304, headers={"ETag": asset.etag})
        response = Response(asset.body, content_type=asset.content_type)
        response.headers["ETag"] = asset.etag
        response.headers["Cache-Control"] = "no-cache"
        return response

    @app.route("/")
    async def index() -> Response:
        if not basic_ok(request.headers):
            return _unauthorized()
        response = asset_response(assets["index.html"])
        response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/")
        return response

    @app.route("/assets/<path:name>")
    async def static_file(name: str) -> Response:
        if not (basic_ok(request.headers) or cookie_ok(request.cookies)):
            return _unauthorized()
        asset = assets.get(name)
        if asset is None or name == "index.html":
            return _error(404, "NOT_FOUND", f"no file {name}")
        return asset_response(asset)

    @app.route("/ui/eval/<int:device_id>", methods=["POST"])
    async def lua_eval(device_id: int) -> Response:
        await request.get_data()  # read it all first: an unread body stalls the keep-alive
        if not (basic_ok(request.headers) or cookie_ok(request.cookies)):
            return _unauthorized()
        if not console:
            return _error(403, "FORBIDDEN", "the Lua console is off (plua2 up --no-console)")
        if not _same_origin(request.headers):
            return _error(403, "FORBIDDEN", "cross-origin request refused")
        data = await request.get_json(silent=True)
        if not isinstance(data, dict):
            return _error(400, "BAD_REQUEST", 'send JSON: {"code": "..."}')
        status, body = await run_lua(api, device_id, data.get("code"))
        return Response(_dumps(body), status=status, content_type=_JSON)

    @app.websocket("/ws")
    async def live_socket() -> Any:
        headers = websocket.headers
        if not (basic_ok(headers) or cookie_ok(websocket.cookies)):
            return _unauthorized()
        if not _same_origin(headers):
            return _error(403, "FORBIDDEN", "cross-origin websocket refused")
        await websocket.accept()
        with hub.subscribe() as sub:  # before the snapshot: nothing falls between the two
            first = snapshot(home, api.workers, console=console)
            watch = WorkerWatch(first["workers"])
            await websocket.send(_dumps({"t": "snapshot", "d": first}))
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_sample_workers, sub, api, watch)
                await _pump(sub, home)
                nursery.cancel_scope.cancel()
            if sub.overflowed:
                await websocket.close(1013, "too far behind; reconnect")
        return None


async def _sample_workers(sub: Subscription, api: Any, watch: WorkerWatch) -> None:
    while True:
        await trio.sleep(SAMPLE_PERIOD)
        changes = watch.changes(api.workers.infos())
        if changes:
            sub.offer(("workers", changes))


async def _pump(sub: Subscription, home: Any) -> None:
    """Send what the subscription receives until it is closed; one frame per waiting batch."""
    while True:
        try:
            batch = [await sub.receive()]
        except trio.EndOfChannel:
            return
        while len(batch) < BATCH:
            try:
                batch.append(sub.receive_nowait())
            except (trio.WouldBlock, trio.EndOfChannel):
                break
        await websocket.send(_dumps(_frame(batch, home)))


def _frame(batch: list[tuple[str, Any]], home: Any) -> list[dict[str, Any]]:
    """The batch as page messages; any number of `devices` items become one fresh device list."""
    out: list[dict[str, Any]] = []
    devices_at = -1
    for topic, payload in batch:
        if topic == "devices":
            devices_at = len(out)
            out.append({"t": "devices"})
        else:
            out.append({"t": topic, "d": payload})
    if devices_at >= 0:
        out = [m for i, m in enumerate(out) if m["t"] != "devices" or i == devices_at]
        for message in out:
            if message["t"] == "devices":
                message["d"] = {"devices": device_rows(home), "rooms": rooms(home)}
    return out
