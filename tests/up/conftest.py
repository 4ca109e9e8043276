"""Fixtures for tests/up: `qa_server(folder, state_dir=None, *args)` (per test, up_helpers.py) and
`module_servers(folder, state_dir, *args)` (per module) start `plua2 up` (up_helpers.py); everything
started is killed by PID at teardown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from up_helpers import (
    QAServer,
    qa_server,  # noqa: F401 (a fixture, defined in up_helpers.py)
    start_server,
    stop_servers,
)


@pytest.fixture(scope="module")
def module_servers() -> Iterator[Callable[..., QAServer]]:
    started: list[QAServer] = []

    def factory(folder: Path, state_dir: Path, *args: str) -> QAServer:
        server = start_server(folder, state_dir, *args)
        started.append(server)
        return server

    yield factory
    stop_servers(started)
