"""What `plua2 init` creates runs under `plua2 up` as it is, and passes `plua2 check`.

One `plua2 up` (127.0.0.1, a free port, a tmp state folder; tests/up's helpers over tests/api's
plua2_up_helpers) on a freshly initialised project: the QuickApp reaches RUNNING, its onInit
shows over REST (the `log` property, the label), its buttons (callUIEvent) change `value`; the
plain device of its plua2.toml exists. Stopped by PID at teardown."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "up"))

from up_helpers import QAServer, start_server, wait_for  # noqa: E402

from plua2.cli import main as cli_main  # noqa: E402

QA_ID = 5000


@pytest.fixture
def server(tmp_path: Path) -> Iterator[QAServer]:
    project = tmp_path / "My first QA"
    assert cli_main(["init", str(project), "--name", "Porch light"]) == 0
    started = start_server(project, tmp_path / "state")
    try:
        yield started
    finally:
        started.client.close()
        if started.up.proc.poll() is None:
            started.up.kill()


def test_initialised_project_runs(server: QAServer) -> None:
    server.wait_running([QA_ID])
    device = server.get(f"/api/devices/{QA_ID}")
    assert device["name"] == "Porch light"
    assert device["type"] == "com.fibaro.binarySwitch"
    server.wait_prop(QA_ID, "log", "Hello from plua2")  # onInit ran
    assert server.get("/api/devices/100")["name"] == "Ceiling lamp"  # from plua2.toml
    assert any(r["name"] == "Kitchen" for r in server.get("/api/rooms"))

    def press(button: str) -> None:
        params = {"deviceID": QA_ID, "elementName": button, "eventType": "onReleased"}
        response = server.client.get("/api/plugins/callUIEvent", params=params)
        assert response.status_code == 200, response.text

    press("on")
    server.wait_prop(QA_ID, "value", True)
    press("off")
    server.wait_prop(QA_ID, "value", False)
    wait_for(
        lambda: any("Hello from plua2" in m["message"] for m in server.console()),
        10,
        "the onInit debug line in the console",
    )
    assert not server.workers()[QA_ID]["crashed"]


def test_initialised_project_passes_check(tmp_path: Path) -> None:
    project = tmp_path / "p"
    assert cli_main(["init", str(project), "--type", "multilevelSwitch"]) == 0
    result = subprocess.run(
        [sys.executable, "-m", "plua2", "check", str(project)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 QuickApp(s), 0 error(s), 0 warning(s)" in result.stderr
