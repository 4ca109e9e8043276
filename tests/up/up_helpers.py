"""Helpers for end-to-end tests of QuickApps under a real `plua2 up` (over tests/api's helpers).

`start_server(folder, state_dir, *args)` starts `plua2 up` on a folder (127.0.0.1, free port) and
returns a `QAServer`: its stdout and stderr are drained by threads into `lines` (so a chatty run
can never block on a full pipe), `client` is an httpx client with the HC3 credentials.
`write_project(folder, files)` writes QuickApp files; `wait_for` polls a predicate.
`stop_servers(servers)` closes their clients and kills (by PID) those still running; the
`qa_server(folder, state_dir=None, *args)` fixture (per test) is shared by the conftest.py files that
import it.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from plua2_up_helpers import AUTH, Plua2Up, start_plua2  # noqa: E402


@dataclass
class QAServer:
    up: Plua2Up
    client: httpx.Client
    lines: list[str] = field(default_factory=list)

    def get(self, path: str, **kw: Any) -> Any:
        response = self.client.get(path, **kw)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    def workers(self) -> dict[int, dict[str, Any]]:
        return {w["id"]: w for w in self.get("/plua/workers")}

    def prop(self, device_id: int, name: str) -> Any:
        return self.get(f"/api/devices/{device_id}")["properties"].get(name)

    def wait_running(self, ids: list[int], timeout: float = 20.0) -> dict[int, dict[str, Any]]:
        def all_running() -> dict[int, dict[str, Any]] | None:
            workers = self.workers()
            ok = all(workers.get(i, {}).get("state") == "running" for i in ids)
            return workers if ok else None

        return wait_for(all_running, timeout, f"workers {ids} running")

    def wait_prop(self, device_id: int, name: str, value: Any, timeout: float = 10.0) -> None:
        wait_for(
            lambda: self.prop(device_id, name) == value,
            timeout,
            f"device {device_id} {name} == {value!r} (is {self.prop(device_id, name)!r})",
        )

    def console(self) -> list[dict[str, Any]]:
        return self.get("/api/debugMessages")["messages"]  # type: ignore[no-any-return]


def wait_for(
    predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.05
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def write_project(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _drain(stream: Any, lines: list[str]) -> None:
    for line in stream:
        lines.append(line.rstrip("\n"))


def start_server(folder: Path, state_dir: Path, *args: str) -> QAServer:
    up = start_plua2(folder, state_dir, *args, env={"PLUA2_REFRESH_TIMEOUT": "2"})
    server = QAServer(up, httpx.Client(base_url=up.url, auth=AUTH, timeout=10))
    for stream in (up.proc.stdout, up.proc.stderr):
        threading.Thread(target=_drain, args=(stream, server.lines), daemon=True).start()
    return server


def stop_servers(servers: Iterable[QAServer]) -> None:
    """Close each server's client and kill its `plua2 up` (by PID) if it still runs."""
    for server in servers:
        server.client.close()
        if server.up.proc.poll() is None:
            server.up.kill()


@pytest.fixture
def qa_server(tmp_path: Path) -> Iterator[Callable[..., QAServer]]:
    started: list[QAServer] = []

    def factory(folder: Path, state_dir: Path | None = None, *args: str) -> QAServer:
        server = start_server(folder, state_dir or tmp_path / "state", *args)
        started.append(server)
        return server

    yield factory
    stop_servers(started)
