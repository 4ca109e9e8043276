"""`HC3`: a small synchronous client of an (emulated) HC3, for tests.

Theory of operation
-------------------
Standard library only (`urllib.request`), so the pytest plugin adds no dependency and imports
fast. One `HC3` talks to one base URL with HTTP Basic auth; it works the same against the
`hc3` fixture's `plua2 up`, the Docker image in a CI service container, or a real HC3 (except
`advance_time` and `workers`, which are plua2's `/plua` control API).

- `get/post/put/delete(path, body=None)`: `path` is `/api/...` or `/plua/...` (a bare `devices/5`
  means `/api/devices/5`); the answer is decoded JSON (None for an empty body). A status of 400 or
  more raises `HC3RequestError` with the status and the HC3 error body (`{"type": "ERROR",
  "reason", "message"}`) in its message.
- `wait_for_property` polls `GET /api/devices/{id}/properties/{name}` every `interval` seconds
  until the value equals `expected`, or `expected(value)` is true when it is callable; then returns
  the value. Running out of time raises `HC3Timeout` (an `AssertionError`: pytest shows it as a
  failed check) with the last value seen.
- `console()` reads every page of `/api/debugMessages` and returns the lines oldest first;
  `wait_for_console` polls it for a line (a log line may come after the change a test waited for).

Errors of this package, as one tree:

    HC3Error                 anything the plua2 test client reports
    +-- HC3RequestError      an HTTP status >= 400 (status, body); connection errors stay OSError
    +-- HC3StartError        `plua2 up` did not start, or a QuickApp did not reach RUNNING
    +-- HC3Timeout           (also AssertionError) a wait ran out of time
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

__all__ = ["HC3", "HC3Error", "HC3RequestError", "HC3StartError", "HC3Timeout"]

_MISSING = object()


class HC3Error(Exception):
    """Base of the errors of `plua2.testing`."""


class HC3RequestError(HC3Error):
    """The HC3 answered with an HTTP status >= 400."""

    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.body = body
        shown = json.dumps(body, ensure_ascii=False) if not isinstance(body, str) else body
        super().__init__(f"{method} {path} -> {status}: {shown}")


class HC3StartError(HC3Error):
    """`plua2 up` did not start, or a QuickApp did not reach RUNNING."""


class HC3Timeout(HC3Error, AssertionError):
    """A wait ran out of time."""


class HC3:
    """A client of one HC3 (see the module docstring). `server` is set by the `hc3` fixture."""

    def __init__(
        self,
        url: str,
        user: str = "admin",
        password: str = "admin",
        *,
        timeout: float = 10.0,
        server: Any = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.server = server
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        self._headers = {"Authorization": f"Basic {token}", "Accept": "application/json"}

    def __repr__(self) -> str:
        return f"HC3({self.url!r})"

    # --- REST --------------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        """One call; decoded JSON answer. `query` becomes the query string (None values left out)."""
        full = self._path(path)
        params = {k: _query_value(v) for k, v in query.items() if v is not None}
        if params:
            full += ("&" if "?" in full else "?") + urllib.parse.urlencode(params)
        data = None
        headers = dict(self._headers)
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + full, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return _decode(response.read())
        except urllib.error.HTTPError as error:
            answer = _decode(error.read())
            raise HC3RequestError(method, full, error.code, answer) from None

    def get(self, path: str, **query: Any) -> Any:
        return self.request("GET", path, **query)

    def post(self, path: str, body: Any = None, **query: Any) -> Any:
        return self.request("POST", path, body, **query)

    def put(self, path: str, body: Any = None, **query: Any) -> Any:
        return self.request("PUT", path, body, **query)

    def delete(self, path: str, **query: Any) -> Any:
        return self.request("DELETE", path, **query)

    # --- devices -----------------------------------------------------------------------------

    def device(self, device_id: int) -> dict[str, Any]:
        return self.get(f"/api/devices/{device_id}")  # type: ignore[no-any-return]

    def property(self, device_id: int, name: str, default: Any = _MISSING) -> Any:
        """A property's value; `default` if the device has no such property (else the 404)."""
        try:
            return self.get(f"/api/devices/{device_id}/properties/{name}")["value"]
        except HC3RequestError as error:
            if error.status == 404 and default is not _MISSING:
                return default
            raise

    def wait_for_property(
        self,
        device_id: int,
        name: str,
        expected: Any,
        timeout: float = 10.0,
        *,
        interval: float = 0.05,
    ) -> Any:
        """Wait until the property equals `expected` (or `expected(value)`); the value."""
        check: Callable[[Any], Any] = expected if callable(expected) else (lambda v: v == expected)
        deadline = time.monotonic() + timeout
        value: Any = _MISSING
        while True:
            value = self.property(device_id, name, None)
            if check(value):
                return value
            if time.monotonic() >= deadline:
                wanted = (
                    getattr(expected, "__name__", "a predicate")
                    if callable(expected)
                    else (f"{expected!r}")
                )
                raise HC3Timeout(
                    f"device {device_id} property {name!r} did not become {wanted} within "
                    f"{timeout} s (last value: {value!r})"
                )
            time.sleep(interval)

    def action(self, device_id: int, name: str, *args: Any) -> Any:
        """`POST /api/devices/{id}/action/{name}` with `args` (fire-and-forget, as on an HC3)."""
        return self.post(f"/api/devices/{device_id}/action/{name}", {"args": list(args)})

    def ui_event(
        self, device_id: int, element: str, event_type: str = "onReleased", value: Any = None
    ) -> Any:
        """A UI event, as a press in the HC3 app: `onReleased` for a button, `onChanged` + value
        for a slider or switch."""
        body: dict[str, Any] = {"deviceID": device_id, "elementName": element,
                                "eventType": event_type}  # fmt: skip
        if value is not None:
            body["value"] = value
        return self.post("/api/plugins/callUIEvent", body)

    # --- plua2 -------------------------------------------------------------------------------

    def advance_time(self, seconds: float) -> Any:
        """Move plua2's virtual clock forward (`POST /plua/time {"advance": s}`); due timers run."""
        return self.post("/plua/time", {"advance": seconds})

    def workers(self) -> list[dict[str, Any]]:
        """`/plua/workers`: id, name, state, pid, restarts, crashed, ... of every QuickApp."""
        return self.get("/plua/workers")  # type: ignore[no-any-return]

    def console(self, tag: str | None = None, level: str | None = None) -> list[dict[str, Any]]:
        """Every console line (`/api/debugMessages`), oldest first; filter by tag and/or level
        (`debug`, `trace`, `warning`, `error`; comma-separated for several)."""
        lines: list[dict[str, Any]] = []
        last: int | None = None
        while True:
            page = self.get("/api/debugMessages", filter=tag, types=level, last=last)
            lines.extend(page.get("messages", []))
            last = page.get("nextLast") or None
            if not last:
                break
        lines.reverse()
        return lines

    def wait_for_console(
        self,
        match: str | Callable[[str], Any],
        timeout: float = 10.0,
        *,
        tag: str | None = None,
        level: str | None = None,
        interval: float = 0.05,
    ) -> dict[str, Any]:
        """Wait for a console line whose message contains `match` (or `match(message)`); the
        line. A QuickApp logs after the property change a test waited for, so read the console
        with this, not with `console()` right after `wait_for_property`."""
        check: Callable[[str], Any] = match if callable(match) else (lambda m: match in m)
        deadline = time.monotonic() + timeout
        while True:
            for line in self.console(tag, level):
                if check(str(line.get("message", ""))):
                    return line
            if time.monotonic() >= deadline:
                wanted = repr(match) if isinstance(match, str) else "a match"
                raise HC3Timeout(f"no console line with {wanted} within {timeout} s")
            time.sleep(interval)

    def _path(self, path: str) -> str:
        if path.startswith(("/api/", "/plua/")) or path in ("/api", "/plua"):
            return path
        return "/api/" + path.lstrip("/")


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _decode(raw: bytes) -> Any:
    if not raw.strip():
        return None
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text
