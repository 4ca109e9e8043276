"""Fixtures for the HC3 API tests, reusable by any test that needs a running `plua2 up`.

- `plua2_factory(project, state_dir=None, *args, env=...)`: start `plua2 up` (see
  plua2_up_helpers.py); everything started is killed by PID at teardown.
- `project_dir`: a fresh copy of examples/home without its QuickApps (these tests are about the
  HC3 API over a quiet home; tests/up runs QuickApps); `plua2_up`: a running `plua2 up` on it
  (refreshStates long polls hold 2 s instead of 30).
- `home_api`: an in-process `Api` over a fresh in-memory home with the example project applied.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from plua2_up_helpers import EXAMPLE_HOME, Plua2Up, start_plua2


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    target = tmp_path / "home"
    quickapps = shutil.ignore_patterns(".plua2", "*.lua", "*.fqa")
    shutil.copytree(EXAMPLE_HOME, target, ignore=quickapps)
    return target


@pytest.fixture
def plua2_factory(tmp_path: Path) -> Iterator[object]:
    started: list[Plua2Up] = []

    def factory(project: Path, state_dir: Path | None = None, *args: str, **kw: object) -> Plua2Up:
        server = start_plua2(project, state_dir or tmp_path / "state", *args, **kw)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield factory
    for server in started:
        if server.proc.poll() is None:
            server.kill()
        for stream in (server.proc.stdout, server.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def plua2_up(plua2_factory, project_dir: Path) -> Plua2Up:  # type: ignore[no-untyped-def]
    return plua2_factory(project_dir, env={"PLUA2_REFRESH_TIMEOUT": "2"})


@pytest.fixture
def home_api():  # type: ignore[no-untyped-def]
    from plua2.fibaro_api.api import Api
    from plua2.fibaro_api.home import Home
    from plua2.fibaro_api.project import apply_project, load_project
    from plua2.fibaro_api.refresh_states import RefreshStates

    config = load_project(EXAMPLE_HOME / "plua2.toml")
    home = Home(None, config.home_settings(), refresh=RefreshStates(poll_timeout=0.2))
    apply_project(home, config)
    return Api(home)
