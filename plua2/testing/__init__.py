"""plua2's pytest plugin: an emulated HC3 (`plua2 up`) for a test, and a client to drive it.

Registered through the `pytest11` entry point, so installing plua2 is enough:

    # pytest.ini / pyproject [tool.pytest.ini_options]
    plua2_project = "."          # the folder with the QuickApps, relative to the ini file

    def test_button_turns_light_on(hc3):
        hc3.ui_event(5000, "on")
        hc3.wait_for_property(5000, "value", True)

Theory of operation
-------------------
Importing this module costs nothing but pytest's own hooks: the client and the process helpers
(client.py, server.py) are imported on first use, and nothing starts unless a test asks for a
fixture. Fixtures:

- `plua2_project` (override it in a conftest.py, or set the `plua2_project` ini option): the
  project folder of the `hc3` fixture. A test may name another with
  `@pytest.mark.plua2(project="path", **options)` (a relative path is relative to the test file);
  the marker's options become `plua2 up` flags (`speed=10` -> `--speed 10`, `instant=True`).
- `hc3_factory(project, **options) -> HC3`: starts one `plua2 up` on a free port of 127.0.0.1 with
  a fresh temporary state folder, waits until every QuickApp is RUNNING (a crashed or FATAL
  QuickApp fails at once, with its console errors), and stops every server it started at teardown
  (SIGTERM, SIGKILL by PID after 5 s). `check=False` skips the RUNNING check.
- `hc3`: `hc3_factory(plua2_project)`, one per test. With `--plua2-url URL` (or the environment
  variable `PLUA2_URL`, credentials in `PLUA2_USER` / `PLUA2_PASSWORD`), `hc3` is instead a client of
  that running HC3 (the Docker image as a CI service container), once every QuickApp there runs:
  one server for the whole session, so tests must not count on a fresh state.

When a test fails, the log of every plua2 it started (JSON lines made readable) is added to the
report as a section "plua2 up log".
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .client import HC3, HC3Error, HC3RequestError, HC3StartError, HC3Timeout
    from .server import HC3Server, connect_hc3, start_hc3

__all__ = [
    "HC3",
    "HC3Error",
    "HC3RequestError",
    "HC3Server",
    "HC3StartError",
    "HC3Timeout",
    "connect_hc3",
    "start_hc3",
]

_LAZY = {
    "HC3": "client",
    "HC3Error": "client",
    "HC3RequestError": "client",
    "HC3StartError": "client",
    "HC3Timeout": "client",
    "HC3Server": "server",
    "start_hc3": "server",
    "connect_hc3": "server",
}
_SERVERS_KEY = pytest.StashKey[list[Any]]()
INI_PROJECT = "plua2_project"


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


# --- hooks -------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        INI_PROJECT,
        "plua2: the project folder of the hc3 fixture (relative to the ini file)",
        default=None,
    )
    parser.getgroup("plua2").addoption(
        "--plua2-url",
        default=None,
        help="the hc3 fixture talks to this running HC3 (e.g. the plua2 Docker image) instead "
        "of starting plua2 up (env PLUA2_URL)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "plua2(project=None, **options): the project folder of the hc3 fixture and options "
        "for plua2 up (speed=10 -> --speed 10, instant=True -> --instant)",
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    servers = item.stash.get(_SERVERS_KEY, None)
    if servers and report.failed:
        for server in servers:
            title = f"plua2 up log ({server.project}, pid {server.pid})"
            report.sections.append((title, server.log_text()))


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def plua2_project(request: pytest.FixtureRequest) -> Path:
    """The project folder of `hc3`: the `plua2_project` ini option (override in a conftest)."""
    value = request.config.getini(INI_PROJECT)
    if not value:
        raise pytest.UsageError(
            "plua2: name the project folder for the hc3 fixture: set the 'plua2_project' ini "
            "option, override the 'plua2_project' fixture, or use @pytest.mark.plua2(project=...)"
        )
    base = request.config.inipath.parent if request.config.inipath else request.config.rootpath
    return (base / str(value)).resolve()


@pytest.fixture
def hc3_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., HC3]]:
    """`hc3_factory(project, **options)`: a started `plua2 up` and its client (see the module)."""
    from .server import start_hc3

    servers: list[Any] = []
    request.node.stash[_SERVERS_KEY] = servers

    def factory(project: str | Path, **options: Any) -> HC3:
        state_dir = tmp_path_factory.mktemp("plua2-state")
        server, client = start_hc3(project, state_dir, **options)  # HC3StartError shows the log
        servers.append(server)
        return client

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def hc3(
    request: pytest.FixtureRequest,
    hc3_factory: Callable[..., HC3],
) -> HC3:
    """An emulated HC3 running the project folder (`plua2_project` or the `plua2` marker)."""
    marker = request.node.get_closest_marker("plua2")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    project = options.pop("project", None)
    url = request.config.getoption("plua2_url") or os.environ.get("PLUA2_URL")
    if url and project is None:
        from .server import connect_hc3

        env = os.environ.get
        return connect_hc3(url, env("PLUA2_USER", "admin"), env("PLUA2_PASSWORD", "admin"))
    if project is None:
        project = request.getfixturevalue("plua2_project")
    else:
        project = Path(project)
        if not project.is_absolute():
            project = (request.path.parent / project).resolve()
    return hc3_factory(project, **options)
