"""Fixtures for tests/up: `qa_server(folder, state_dir=None, *args)` (per test) and
`module_servers(folder, state_dir, *args)` (per module) start `plua2 up` (up_helpers.py); everything
started is killed by PID at teardown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from up_helpers import QAServer, start_server


@pytest.fixture(scope="module")
def module_servers() -> Iterator[Callable[..., QAServer]]:
    started: list[QAServer] = []

    def factory(folder: Path, state_dir: Path, *args: str) -> QAServer:
        server = start_server(folder, state_dir, *args)
        started.append(server)
        return server

    yield factory
    for server in started:
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
    for server in started:
        server.client.close()
        if server.up.proc.poll() is None:
            server.up.kill()
