"""Helpers for the dashboard's tests (importable: `from webui_helpers import ...`).

`Dashboard` is a running `plua2 up` (tests/api/plua2_up_helpers.py) with an httpx client holding
the HC3 credentials; `copy_home` makes a temporary copy of examples/home (plus extra QuickApps);
`wait_for` polls a predicate. Chromium's path and flags follow ../shared/recipes/browser-tests.md.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from plua2_up_helpers import AUTH, EXAMPLE_HOME, REPO, Plua2Up, start_plua2  # noqa: E402

__all__ = ["AUTH", "CHROMIUM", "CHROMIUM_ARGS", "DOCS", "VIEWPORT", "Dashboard", "copy_home",
           "start_plua2", "wait_for"]  # fmt: skip

CHROMIUM = os.environ.get("PLUA2_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip
DOCS = REPO / "docs"
VIEWPORT = {"width": 1400, "height": 860}


@dataclass
class Dashboard:
    up: Plua2Up
    client: httpx.Client
    lines: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.up.url

    def get(self, path: str) -> Any:
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    def workers(self) -> dict[int, dict[str, Any]]:
        return {w["id"]: w for w in self.get("/plua/workers")}

    def prop(self, device_id: int, name: str) -> Any:
        return self.get(f"/api/devices/{device_id}")["properties"].get(name)

    def wait_running(self, timeout: float = 20.0) -> dict[int, dict[str, Any]]:
        def all_running() -> dict[int, dict[str, Any]] | None:
            workers = self.workers()
            ok = workers and all(w["state"] == "running" for w in workers.values())
            return workers if ok else None

        return wait_for(all_running, timeout, "every worker running")


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def copy_home(target: Path, extra: dict[str, str] | None = None) -> Path:
    shutil.copytree(EXAMPLE_HOME, target, ignore=shutil.ignore_patterns(".plua2"))
    for name, text in (extra or {}).items():
        (target / name).write_text(text, encoding="utf-8")
    return target
