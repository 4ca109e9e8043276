"""Fixtures for the dashboard's tests: a real `plua2 up` and a real headless Chromium.

- `start_dashboard(folder, *args)` (module scope): `plua2 up` on a folder (127.0.0.1, a free port)
  as a `Dashboard` (webui_helpers.py), its output drained by threads; stopped by PID at teardown.
- `browser` (session): Debian's chromium driven by Playwright with `executable_path` (never a
  downloaded browser; ../shared/recipes/browser-tests.md). Skipped when either is missing.
- `page_for(dashboard)`: a new context (with the HC3 credentials) and a page on the dashboard,
  ready (first snapshot drawn); closed at teardown, which fails on any JavaScript error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from webui_helpers import AUTH, CHROMIUM, CHROMIUM_ARGS, VIEWPORT, Dashboard, start_plua2


def _drain(stream: Any, lines: list[str]) -> None:
    for line in stream:
        lines.append(line.rstrip("\n"))


@pytest.fixture(scope="module")
def start_dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Dashboard]]:
    started: list[Dashboard] = []

    def start(folder: Path, *args: str) -> Dashboard:
        state = tmp_path_factory.mktemp("state")
        up = start_plua2(folder, state, *args, env={"PLUA2_REFRESH_TIMEOUT": "2"})
        dashboard = Dashboard(up, httpx.Client(base_url=up.url, auth=AUTH, timeout=10))
        started.append(dashboard)
        for stream in (up.proc.stdout, up.proc.stderr):
            threading.Thread(target=_drain, args=(stream, dashboard.lines), daemon=True).start()
        dashboard.wait_running()
        return dashboard

    yield start
    for dashboard in started:
        dashboard.client.close()
        if dashboard.up.proc.poll() is None:
            dashboard.up.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright==1.65.2")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no {CHROMIUM}: apt-get install chromium (scripts/install-test-deps.sh)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page_for(browser: Any) -> Iterator[Callable[[Dashboard], Any]]:
    contexts: list[Any] = []
    errors: list[str] = []

    def open_page(dashboard: Dashboard) -> Any:
        context = browser.new_context(
            http_credentials={"username": AUTH[0], "password": AUTH[1]}, viewport=VIEWPORT
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(dashboard.url + "/")
        page.wait_for_selector("body[data-ready]")
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"
