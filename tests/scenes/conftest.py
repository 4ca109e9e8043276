"""Fixtures for tests/scenes: `scene_home` is one `plua2 up` (per module) on a project with two
QuickApps and the scenes of SCENES; stopped (killed) by PID at teardown. `qa_server` is tests/up's
(up_helpers.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "up"))

from up_helpers import (  # noqa: E402
    QAServer,
    qa_server,  # noqa: F401 (a fixture, defined in up_helpers.py)
    start_server,
    stop_servers,
    write_project,
)


@pytest.fixture(scope="module")
def up_project(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[dict[str, str]], QAServer]]:
    started: list[QAServer] = []

    def factory(files: dict[str, str]) -> QAServer:
        root = tmp_path_factory.mktemp("scenes")
        server = start_server(write_project(root / "project", files), root / "state")
        started.append(server)
        return server

    yield factory
    stop_servers(started)
