"""Fixtures for tests/scenes: `scene_home` is one `plua2 up` (per module) on a project with two
QuickApps and the scenes of SCENES; stopped (killed) by PID at teardown."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "up"))

from up_helpers import QAServer, start_server, write_project  # noqa: E402


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
