"""Fixtures for tests/watch: `watch_server(folder)` starts `plua2 up --watch` on a folder (127.0.0.1,
free port, tmp state dir; tests/up's helpers) once per module; it is killed by PID at teardown."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "up"))

from up_helpers import QAServer, start_server  # noqa: E402


@pytest.fixture(scope="module")
def watch_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., QAServer]]:
    started: list[QAServer] = []

    def factory(folder: Path, *args: str) -> QAServer:
        state = tmp_path_factory.mktemp("state")
        server = start_server(folder, state, "--watch", *args)
        started.append(server)
        return server

    yield factory
    for server in started:
        server.client.close()
        if server.up.proc.poll() is None:
            server.up.kill()
