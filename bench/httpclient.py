"""A minimal HTTP/1.1 keep-alive client over asyncio streams, for the load generator and the
refreshStates benchmark: no pooling, no redirects, no TLS; Content-Length and chunked bodies.

One `Connection` carries one request at a time; `send_request` and `read_response` are separate
so a long poll can be parked on one connection while another changes the state.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from typing import Any


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class Connection:
    def __init__(self, host: str, port: int, auth: str | None = None) -> None:
        self.host = host
        self.port = port
        self.auth = auth
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except (ConnectionError, OSError):
                pass
            self._writer = None
            self._reader = None

    async def send_request(self, method: str, path: str, body: Any = None) -> None:
        if self._writer is None:
            await self.connect()
        assert self._writer is not None
        data = b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if self.auth:
            lines.append(f"Authorization: {self.auth}")
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            lines.append("Content-Type: application/json")
        if body is not None or method in ("POST", "PUT"):
            lines.append(f"Content-Length: {len(data)}")
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
        await self._writer.drain()

    async def read_response(self) -> Response:
        reader = self._reader
        assert reader is not None
        status_line = await reader.readuntil(b"\r\n")
        parts = status_line.decode("latin-1").split(" ", 2)
        status = int(parts[1])
        headers: dict[str, str] = {}
        while True:
            line = await reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    while await reader.readuntil(b"\r\n") != b"\r\n":
                        pass
                    break
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            body = b"".join(chunks)
        elif "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        else:
            body = await reader.read()  # until the server closes
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Response(status, headers, body)

    async def request(self, method: str, path: str, body: Any = None) -> Response:
        await self.send_request(method, path, body)
        return await self.read_response()
