"""Shared by tests/hc3: the fake HC3 that counts requests, the QuickApp the second plua2 serves,
and its credentials (chosen so a test can look for them in downloaded files)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "up"))

from up_helpers import QAServer  # noqa: E402

HC3_USER = "hc3-tester"
HC3_PASSWORD = "S3cret-pw#with spaces"

GREETER_MAIN = """--%%name=Greeter
--%%type=com.fibaro.binarySwitch
--%%var=greeting:"hello"
--%%file=util.lua,util
function QuickApp:onInit()
  self:updateProperty("log", greet(self:getVariable("greeting")))
end
"""
GREETER_UTIL = "function greet(word)\n  return word .. ' from util v1'\nend\n"


@dataclass
class Run:
    status: int
    out: str
    err: str


def server_env(server: QAServer) -> dict[str, str]:
    return {"HC3_URL": server.up.url, "HC3_USER": HC3_USER, "HC3_PASSWORD": HC3_PASSWORD}


@dataclass
class CountingHC3:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int = 401
    body: Any = field(default_factory=lambda: {"type": "ERROR", "reason": "Unauthorized",
                                               "message": "wrong credentials"})  # fmt: skip
    headers: dict[str, str] = field(default_factory=dict)


def counting_handler(state: CountingHC3) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.requests.append({"method": self.command, "path": self.path,
                                   "headers": dict(self.headers), "body": body})  # fmt: skip
            raw = isinstance(state.body, bytes)
            data = state.body if raw else json.dumps(state.body).encode()
            self.send_response(state.status)
            if state.status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="HC3"')
            for key, value in state.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
