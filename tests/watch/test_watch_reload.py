"""`plua2 up --watch` end to end: one real plua2 up on a tmp project for the whole module (tests
run in file order and edit the same folder). Each edit is followed by its effect over REST: the
worker's pid, the property its new code sets, the console."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from up_helpers import QAServer, wait_for, write_project

#: a save must reach its worker within about a second; the bound leaves room for a loaded machine
RELOAD_WITHIN = 1.5
#: how long to look for a restart that must not happen (more than the watcher's whole cycle)
QUIET = 1.2

A, B, C, D = 5000, 5001, 5002, 5003

PROJECT = {
    "a.lua": """--%%name=A
--%%id=5000
--%%file=lib/helpers.lua,helpers
function QuickApp:onInit() self:updateProperty("log", "A1 " .. HELPER) end
""",
    "lib/helpers.lua": 'HELPER = "h1"\n',
    "b.lua": """--%%name=B
--%%id=5001
function QuickApp:onInit() self:updateProperty("log", "B1") end
function QuickApp:echo(text) self:updateProperty("log", text) end
""",
    "c.lua": """--%%name=C
--%%id=5002
function QuickApp:onInit() self:updateProperty("log", "C1") end
""",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("project")
    (folder / "lib").mkdir()
    return write_project(folder, PROJECT)


@pytest.fixture(scope="module")
def server(watch_server: Callable[..., QAServer], project: Path) -> Iterator[QAServer]:
    server = watch_server(project)
    server.wait_running([A, B, C])
    for device_id, text in ((A, "A1 h1"), (B, "B1"), (C, "C1")):
        server.wait_prop(device_id, "log", text)
    yield server


def _pids(server: QAServer) -> dict[int, Any]:
    return {i: w["pid"] for i, w in server.workers().items() if w["state"] == "running"}


def _save(path: Path, text: str) -> float:
    """Save as editors do (a temp file renamed over the old one); the time of the save."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)
    return time.monotonic()


def _wait_restarted(server: QAServer, device_id: int, old_pid: int, saved: float) -> float:
    def restarted() -> bool:
        worker = server.workers().get(device_id, {})
        return worker.get("state") == "running" and worker.get("pid") not in (None, old_pid)

    wait_for(restarted, 5.0, f"QuickApp {device_id} restarted", interval=0.02)
    return time.monotonic() - saved


def _edit(project: Path, name: str, old: str, new: str) -> float:
    path = project / name
    return _save(path, path.read_text(encoding="utf-8").replace(old, new))


def test_editing_one_quickapp_restarts_that_worker_only(server: QAServer, project: Path) -> None:
    before = _pids(server)
    saved = _edit(project, "a.lua", '"A1 "', '"A2 "')
    took = _wait_restarted(server, A, before[A], saved)
    assert took < RELOAD_WITHIN, f"restarted {took:.2f} s after the save"
    server.wait_prop(A, "log", "A2 h1")  # the new code runs
    after = _pids(server)
    assert after[B] == before[B] and after[C] == before[C]
    assert any("a.lua changed: QuickApp 5000" in line for line in server.lines)


def test_editing_a_library_file_restarts_the_quickapp_that_uses_it(
    server: QAServer, project: Path
) -> None:
    before = _pids(server)
    (project / "lib" / "helpers.lua").write_text('HELPER = "h2"\n', encoding="utf-8")  # in place
    took = _wait_restarted(server, A, before[A], time.monotonic())
    assert took < RELOAD_WITHIN
    server.wait_prop(A, "log", "A2 h2")
    after = _pids(server)
    assert after[B] == before[B] and after[C] == before[C]


def test_a_syntax_error_leaves_the_running_version_alone(server: QAServer, project: Path) -> None:
    before = _pids(server)
    _edit(project, "b.lua", 'self:updateProperty("log", "B1")', 'self:updateProperty("log", "B2"')

    def error_shown() -> list[dict[str, Any]]:
        return [m for m in server.console() if m["type"] == "error" and "b.lua:3:" in m["message"]]

    [message] = wait_for(error_shown, 5.0, "the syntax error in /api/debugMessages")
    assert message["deviceId"] == B
    assert message["message"].endswith("b.lua:3: ')' expected near 'end'")
    time.sleep(QUIET)
    assert _pids(server) == before  # no restart, anywhere
    response = server.client.post(f"/api/devices/{B}/action/echo", json={"args": ["old code"]})
    assert response.status_code == 202, response.text
    server.wait_prop(B, "log", "old code")
    assert sum("b.lua:3: ')' expected" in line for line in server.lines) == 1  # one printed line
    # fixing it runs the fixed code
    saved = _edit(project, "b.lua", '"B2"', '"B3")')
    _wait_restarted(server, B, before[B], saved)
    server.wait_prop(B, "log", "B3")


def test_a_bad_header_leaves_the_running_version_alone(server: QAServer, project: Path) -> None:
    before = _pids(server)
    _edit(project, "c.lua", "--%%id=5002", "--%%id=5002\n--%%var=x:{")

    def error_shown() -> bool:
        return any(m["type"] == "error" and "c.lua:3:" in m["message"] for m in server.console())

    wait_for(error_shown, 5.0, "the header error in /api/debugMessages")
    time.sleep(QUIET)
    assert _pids(server) == before
    assert server.prop(C, "log") == "C1"


def test_a_touch_or_an_identical_save_restarts_nothing(server: QAServer, project: Path) -> None:
    before = _pids(server)
    os.utime(project / "a.lua")
    os.utime(project / "lib" / "helpers.lua")
    _save(project / "b.lua", (project / "b.lua").read_text(encoding="utf-8"))
    time.sleep(QUIET)
    assert _pids(server) == before


def test_a_new_quickapp_file_is_installed_and_started(server: QAServer, project: Path) -> None:
    before = _pids(server)
    (project / "d.lua").write_text(
        '--%%name=D\nfunction QuickApp:onInit() self:updateProperty("log", "D1") end\n',
        encoding="utf-8",
    )
    server.wait_running([D], timeout=5.0)  # the next free QuickApp id
    server.wait_prop(D, "log", "D1")
    assert server.get(f"/api/devices/{D}")["name"] == "D"
    after = _pids(server)
    assert {i: after[i] for i in before} == before


def test_a_deleted_quickapp_file_stops_its_worker_and_keeps_the_device(
    server: QAServer, project: Path
) -> None:
    text = (project / "d.lua").read_text(encoding="utf-8")
    (project / "d.lua").unlink()
    wait_for(lambda: server.workers()[D]["state"] == "stopped", 5.0, "D stopped")
    assert server.get(f"/api/devices/{D}")["name"] == "D"  # the device stays
    (project / "d.lua").write_text(text, encoding="utf-8")  # back as it was: the same device runs
    server.wait_running([D], timeout=5.0)


SCENE = """--%%name=Echo scene
fibaro.call(5001, "echo", "S1")
"""


def _scene_id(server: QAServer) -> int | None:
    return next((s["id"] for s in server.get("/api/scenes") if s["name"] == "Echo scene"), None)


def _execute_and_wait(server: QAServer, scene_id: int, text: str) -> None:
    server.client.post(f"/api/devices/{B}/action/echo", json={"args": ["-"]})
    server.wait_prop(B, "log", "-")
    response = server.client.post(f"/api/scenes/{scene_id}/execute", json={})
    assert response.status_code in (200, 202, 204), response.text
    server.wait_prop(B, "log", text)


def test_scene_files_are_installed_reloaded_and_kept_on_a_syntax_error(
    server: QAServer, project: Path
) -> None:
    before = _pids(server)
    (project / "echo.scene.lua").write_text(SCENE, encoding="utf-8")
    scene_id = wait_for(lambda: _scene_id(server), 5.0, "the new scene installed")
    _execute_and_wait(server, scene_id, "S1")
    _edit(project, "echo.scene.lua", '"S1"', '"S2"')
    wait_for(lambda: "S2" in server.get(f"/api/scenes/{scene_id}")["content"], 5.0, "reloaded")
    _execute_and_wait(server, scene_id, "S2")
    _edit(project, "echo.scene.lua", '"S2")', '"S3"\nend')

    def error_shown() -> bool:
        return any(m["type"] == "error" and "echo.scene.lua:3:" in m["message"]
                   for m in server.console())  # fmt: skip

    wait_for(error_shown, 5.0, "the scene's syntax error in /api/debugMessages")
    _execute_and_wait(server, scene_id, "S2")  # the scene kept its actions
    assert _pids(server) == before  # no QuickApp restarted for a scene
