"""The control API over a fake WorkerControl, and the generated HC3 path list staying current."""

from __future__ import annotations

import runpy
import subprocess
import sys
from typing import Any

import pytest
from plua2.fibaro_api.api import Api
from plua2.fibaro_api.hc3_paths import HC3_PATHS
from plua2.fibaro_api.home import Home
from plua2.fibaro_api.quickapps import create_quickapp
from plua2_up_helpers import REPO, SPEC_DIR


class FakeWorkers:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def infos(self) -> list[dict[str, Any]]:
        return [{"id": 5000, "name": "QA", "state": "RUNNING", "pid": 42, "restarts": 0,
                 "uptime": 1.5, "cpu": 0.0, "rss": 1024}]  # fmt: skip

    async def _act(self, verb: str, worker_id: int) -> None:
        if worker_id != 5000:
            raise KeyError(worker_id)
        self.calls.append((verb, worker_id))

    async def start(self, worker_id: int) -> None:
        await self._act("start", worker_id)

    async def stop(self, worker_id: int) -> None:
        await self._act("stop", worker_id)

    async def restart(self, worker_id: int) -> None:
        await self._act("restart", worker_id)


async def test_workers_list_and_actions_go_to_the_worker_control() -> None:
    workers = FakeWorkers()
    api = Api(Home(), workers)
    status, infos = await api.call("GET", "/plua/workers")
    assert status == 200 and infos[0]["state"] == "RUNNING"
    for verb in ("restart", "stop", "start"):
        status, _ = await api.call("POST", f"/plua/workers/5000/{verb}")
        assert status == 200
    assert workers.calls == [("restart", 5000), ("stop", 5000), ("start", 5000)]
    status, body = await api.call("POST", "/plua/workers/7/restart")
    assert status == 404 and body["type"] == "ERROR"
    status, health = await api.call("GET", "/plua/health")
    assert status == 200 and health["workers"] == 1 and health["ready"] is True
    api.ready = False  # plua2 up is still starting its QuickApps
    status, health = await api.call("GET", "/plua/health")
    assert status == 200 and health["ready"] is False


async def test_plugins_restart_asks_the_worker_control_for_the_quickapp() -> None:
    workers = FakeWorkers()
    home = Home()
    qa = create_quickapp(home, "QA", "com.fibaro.binarySwitch", device_id=5000)
    api = Api(home, workers)
    status, body = await api.call("POST", "/plugins/restart", body={"deviceId": qa.id})
    assert (status, body) == (200, {"status": True}) and workers.calls == [("restart", 5000)]


async def test_no_workers_is_an_empty_list() -> None:
    status, infos = await Api(Home()).call("GET", "/plua/workers")
    assert (status, infos) == (200, [])


@pytest.mark.skipif(not SPEC_DIR.is_dir(), reason=f"HC3 OpenAPI specs not found at {SPEC_DIR}")
def test_the_generated_hc3_path_list_is_current(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "hc3_paths.py"
    subprocess.run([sys.executable, str(REPO / "tools" / "gen_hc3_paths.py"), str(SPEC_DIR),
                    "-o", str(out)], check=True, capture_output=True)  # fmt: skip
    generated = runpy.run_path(str(out))["HC3_PATHS"]
    assert generated == HC3_PATHS
