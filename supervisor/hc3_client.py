"""A small HTTP client for a real HC3's REST API (standard library only), for `plua2 hc3`.

Theory of operation
-------------------
`HC3Client(target).request(method, path, ...)` makes exactly one HTTP request on a fresh
connection (`http.client`; an HC3 command makes a handful of requests, so keep-alive would buy
nothing and cost the stale-connection cases) and returns the decoded JSON body, or raises one of:

    HC3Error                     one line, fit to print as is
    ├── HC3ConnectionError       no HTTP answer: refused, unknown host, timeout, TLS failure
    ├── HC3AuthError             401: the HC3 refused HC3_USER/HC3_PASSWORD
    └── HC3ResponseError         an answer we cannot use: status >= 300 (the HC3 error body's
                                 reason/message quoted), a redirect, a body that is not JSON

Rules, because an HC3 locks an account after a few failed logins:
- credentials go in a preemptive `Authorization: Basic` header; there is no challenge round
  (urllib's `HTTPBasicAuthHandler` would send every request twice and retry a 401);
- nothing is ever retried, and redirects are not followed (a redirect would carry the password to
  wherever it points): the caller stops at the first error, so a wrong password costs one request;
- TLS checks the certificate against the system's CAs unless `insecure` (self-signed HC3s);
- the password is never part of a message, a repr or an exception.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import ssl
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from plua2 import __version__

__all__ = [
    "HC3AuthError",
    "HC3Client",
    "HC3ConnectionError",
    "HC3Error",
    "HC3ResponseError",
    "HC3Target",
    "encode_multipart",
    "normalise_url",
]

DEFAULT_TIMEOUT = 30.0


class HC3Error(Exception):
    """Anything that stopped a request to the HC3; `str()` is one line for the user."""


class HC3ConnectionError(HC3Error):
    """The HC3 did not answer over HTTP (refused, unknown host, timeout, TLS)."""


class HC3AuthError(HC3Error):
    """The HC3 answered 401: the credentials are wrong (never retried)."""

    def __init__(self, user: str, url: str) -> None:
        super().__init__(
            f"HC3 refused the credentials for {user} at {url} (401); check HC3_USER/HC3_PASSWORD"
        )


class HC3ResponseError(HC3Error):
    """The HC3 answered, but not with what was asked for."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def normalise_url(raw: str) -> str:
    """`http(s)://host[:port][/prefix]` without a trailing `/` or `/api`; ValueError if unusable.

    A bare host (`192.168.1.57`) means http, as an HC3 serves it on the local network.
    """
    text = raw.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"HC3_URL {raw!r}: expected an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError(f"HC3_URL {raw!r}: no host name")
    if parts.username or parts.password:
        raise ValueError("HC3_URL must not carry credentials; use HC3_USER and HC3_PASSWORD")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValueError(f"HC3_URL {raw!r}: bad port") from None
    path = parts.path.rstrip("/")
    path = path.removesuffix("/api")
    return f"{parts.scheme}://{parts.netloc}{path}"


@dataclass(frozen=True)
class HC3Target:
    """Which HC3, as whom, and how to talk to it."""

    url: str  # as `normalise_url` gives it
    user: str
    password: str = field(repr=False)
    insecure: bool = False
    timeout: float = DEFAULT_TIMEOUT


def encode_multipart(fields: dict[str, tuple[str | None, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type: {name: (file name or None, bytes)}."""
    boundary = f"plua2-{uuid.uuid4().hex}"
    chunks: list[bytes] = []
    for name, (filename, data) in fields.items():
        disposition = f'form-data; name="{name}"'
        head = f"--{boundary}\r\nContent-Disposition: {disposition}"
        if filename is not None:
            head += f'; filename="{filename}"\r\nContent-Type: application/octet-stream'
        chunks.append(f"{head}\r\n\r\n".encode() + data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def _error_text(data: bytes) -> str:
    """The reason/message of an HC3 error body (`{type, reason, message}`), or its start."""
    try:
        body = json.loads(data)
    except ValueError:
        return data[:200].decode("utf-8", "replace").strip()
    if isinstance(body, dict):
        parts = [str(body[k]) for k in ("reason", "message") if body.get(k)]
        if parts:
            return ": ".join(dict.fromkeys(parts))
    return json.dumps(body)[:200]


class HC3Client:
    """One request per call, to the HC3 of `target`; see the module docstring for the rules."""

    def __init__(self, target: HC3Target) -> None:
        self.target = target
        parts = urlsplit(target.url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._prefix = parts.path
        token = f"{target.user}:{target.password}".encode()
        self._auth = "Basic " + base64.b64encode(token).decode("ascii")
        self.requests_made = 0

    def _connection(self) -> http.client.HTTPConnection:
        if not self._https:
            return http.client.HTTPConnection(self._host, self._port, timeout=self.target.timeout)
        context = ssl.create_default_context()
        if self.target.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection(
            self._host, self._port, timeout=self.target.timeout, context=context
        )

    def _unreachable(self, error: BaseException) -> HC3ConnectionError:
        where = f"cannot reach the HC3 at {self.target.url}"
        if isinstance(error, ssl.SSLCertVerificationError):
            why = (
                f"TLS certificate not trusted ({error.verify_message}); --insecure skips the check"
            )
        elif isinstance(error, TimeoutError | socket.timeout):
            why = f"no answer within {self.target.timeout:g} s"
        elif isinstance(error, socket.gaierror):
            why = f"unknown host {self._host!r}"
        elif isinstance(error, ConnectionRefusedError):
            why = "connection refused"
        elif isinstance(error, OSError) and error.strerror:
            why = error.strerror
        else:
            why = str(error) or type(error).__name__
        return HC3ConnectionError(f"{where}: {why}")

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> Any:
        """One request to `path` (starting with /api); the decoded JSON answer (None if empty)."""
        headers = {
            "Authorization": self._auth,
            "Accept": "application/json",
            "User-Agent": f"plua2/{__version__}",
            "Connection": "close",
        }
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            content_type = "application/json"
        if content_type is not None:
            headers["Content-Type"] = content_type
        connection = self._connection()
        self.requests_made += 1
        try:
            connection.request(method, self._prefix + path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            raise self._unreachable(error) from None
        finally:
            connection.close()
        status = response.status
        if status == 401:
            raise HC3AuthError(self.target.user, self.target.url)
        if 300 <= status < 400:
            location = response.getheader("Location", "?")
            raise HC3ResponseError(
                f"{method} {path}: the HC3 redirects ({status}) to {location}; "
                "put the final address in HC3_URL (redirects are not followed)",
                status,
            )
        if status >= 400 or status < 200:
            raise HC3ResponseError(
                f"{method} {path}: HTTP {status} {_error_text(data)}".rstrip(), status
            )
        if not data.strip():
            return None
        try:
            return json.loads(data)
        except ValueError:
            raise HC3ResponseError(
                f"{method} {path}: the answer is not JSON (is {self.target.url} an HC3?)", status
            ) from None

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def put(self, path: str, value: Any) -> Any:
        return self.request("PUT", path, json_body=value)

    def post(self, path: str, value: Any) -> Any:
        return self.request("POST", path, json_body=value)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)
