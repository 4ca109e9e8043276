"""`net.HTTPClient` underneath: one HTTP/1.1 request per connection, h11 over trio TCP/TLS streams.

Theory of operation
-------------------
`_PY.netHttpRequest(url, method, headers, data, timeoutMs, checkCertificate)` starts an operation
(see net_service) and returns its id at once. The task connects (trio.open_tcp_stream, then a
trio.SSLStream for https), sends one request with h11, reads the whole response (content-length,
chunked, or until the server closes) and completes with `status, body, headers`:

- every HTTP status is a success, 404 and 500 included, as on the HC3; redirects are not followed
  (the 3xx and its `Location` header reach the success callback);
- bodies are bytes both ways (Lua strings are bytes): binary data passes unchanged;
- response headers keep the server's spelling; a repeated header's values are joined with ", ";
- one deadline covers connect, TLS, send and receive: past it the error is "Operation canceled";
- `checkCertificate = false` turns off certificate and host name checks for https.

We add `Host` and, when there is a body (or the method is POST/PUT/PATCH), `Content-Length`;
nothing else. The connection is closed after the response.
"""

from __future__ import annotations

import ssl
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import h11
import trio

from .exporters import lua_exporter
from .net_service import NetError, lua_bytes, lua_timeout, service_for

if TYPE_CHECKING:
    from .runtime import Runtime

__all__ = ["DEFAULT_TIMEOUT_MS", "HttpResponse", "fetch", "http_request"]

#: the request timeout when neither the client nor the request gives one
DEFAULT_TIMEOUT_MS = 30_000
_MAX_HEADER_BYTES = 256 * 1024
_SAFE_TARGET = "/:?#[]@!$&'()*+,;=%~-._"
_BODY_METHODS = {b"POST", b"PUT", b"PATCH"}

HttpResponse = tuple[int, bytes, list[tuple[bytes, bytes]]]


@cache
def _ssl_context(verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _target(url: str) -> tuple[str, str, int, bytes, bytes]:
    """scheme, host, port, request target and Host header of `url`. NetError if unusable."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise NetError(f"Invalid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise NetError(f"Invalid URL: unsupported scheme {parts.scheme!r}")
    host = parts.hostname
    if not host:
        raise NetError("Invalid URL: no host")
    default = 443 if scheme == "https" else 80
    port = port or default
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    host_header = f"[{host}]" if ":" in host else host
    if port != default:
        host_header += f":{port}"
    return (
        scheme,
        host,
        port,
        quote(target, safe=_SAFE_TARGET).encode("ascii"),
        host_header.encode("idna" if not host_header.isascii() else "ascii"),
    )


async def fetch(
    url: str,
    method: bytes,
    headers: list[tuple[bytes, bytes]],
    body: bytes | None,
    limit: float | None,
    verify: bool,
) -> HttpResponse:
    """One request; raises NetError / OSError / trio errors (see net_service.describe_error)."""
    scheme, host, port, target, host_header = _target(url)
    names = {name.lower() for name, _ in headers}
    headers = list(headers)
    if b"host" not in names:
        headers.insert(0, (b"Host", host_header))
    if b"content-length" not in names and b"transfer-encoding" not in names:
        if body or method in _BODY_METHODS:
            headers.append((b"Content-Length", str(len(body or b"")).encode()))
    try:
        request = h11.Request(method=method, target=target, headers=headers)
    except h11.LocalProtocolError as exc:
        raise NetError(f"Invalid request: {exc}") from None
    with trio.fail_after(limit) if limit is not None else trio.CancelScope():
        stream: trio.abc.Stream = await trio.open_tcp_stream(host, port)
        try:
            if scheme == "https":
                stream = trio.SSLStream(
                    stream, _ssl_context(verify), server_hostname=host, https_compatible=True
                )
                await stream.do_handshake()
            return await _exchange(stream, request, body)
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(1):
                await stream.aclose()


async def _exchange(
    stream: trio.abc.Stream, request: h11.Request, body: bytes | None
) -> HttpResponse:
    conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_HEADER_BYTES)
    out = conn.send(request) or b""
    if body:
        out += conn.send(h11.Data(data=body)) or b""
    out += conn.send(h11.EndOfMessage()) or b""
    await stream.send_all(out)
    response: h11.Response | None = None
    chunks: list[bytes] = []
    try:
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(await stream.receive_some(65536))
            elif isinstance(event, h11.Response):
                response = event
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise NetError("End of file")
    except h11.RemoteProtocolError as exc:
        if "closed" in str(exc):
            raise NetError("End of file") from None
        raise NetError(f"Invalid HTTP response: {exc}") from None
    assert response is not None
    merged: dict[bytes, bytes] = {}
    for name, value, *_ in response.headers.raw_items():
        name = bytes(name)
        merged[name] = merged[name] + b", " + bytes(value) if name in merged else bytes(value)
    return response.status_code, b"".join(chunks), list(merged.items())


def _header_list(headers: Any) -> list[tuple[bytes, bytes]]:
    if headers is None:
        return []
    try:
        items = list(headers.items())
    except (AttributeError, TypeError):
        raise TypeError("headers must be a table") from None
    return [(lua_bytes(k, "header name"), lua_bytes(v, "header value")) for k, v in items]


@lua_exporter(name="netHttpRequest", raw=True, with_runtime=True)
def http_request(
    runtime: Runtime,
    url: Any,
    method: Any = None,
    headers: Any = None,
    data: Any = None,
    timeout: Any = None,
    check_certificate: Any = None,
) -> int:
    """_PY.netHttpRequest(url, method, headers, data, timeoutMs, checkCertificate) -> op id.

    Completes with (status, body, headers table) or an error text.
    """
    url_text = lua_bytes(url, "url").decode("utf-8", "replace")
    method_bytes = lua_bytes(method, "method").upper() if method is not None else b"GET"
    header_list = _header_list(headers)
    body = lua_bytes(data, "data") if data is not None else None
    seconds = lua_timeout(timeout if timeout is not None else DEFAULT_TIMEOUT_MS)
    verify = check_certificate is not False
    service = service_for(runtime)

    async def work() -> tuple[Any, ...]:
        status, content, response_headers = await fetch(
            url_text, method_bytes, header_list, body, seconds, verify
        )
        return status, content, service.table(response_headers)

    return service.start_operation(work)
