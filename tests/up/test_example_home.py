"""The README's example home (`plua2 up examples/home`) runs every QuickApp it ships."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from up_helpers import wait_for

REPO = Path(__file__).resolve().parents[2]


def test_example_home_runs_all_its_quickapps(qa_server: Any, tmp_path: Path) -> None:
    folder = tmp_path / "home"
    shutil.copytree(REPO / "examples" / "home", folder, ignore=shutil.ignore_patterns(".plua2"))
    server = qa_server(folder)
    quickapps = sorted(p.name for p in folder.glob("*.lua") if not p.name.endswith(".scene.lua"))
    ids = list(range(5000, 5000 + len(quickapps)))
    server.wait_running(ids)
    wait_for(lambda: any("QuickApp(s) ready in" in line for line in server.lines), 10, "ready")
    names = [server.get(f"/api/devices/{i}")["name"] for i in ids]
    assert names[:2] == ["Hall switch", "Porch light"]
    lamps = wait_for(
        lambda: len(server.get("/api/devices", params={"parentId": 5003})) == 2, 10, "two lamps"
    )
    assert lamps
    server.client.post("/api/devices/5001/action/turnOn", json={"args": []})
    server.wait_prop(5000, "value", True)  # the porch light turns the hall switch on
    params = {"deviceID": 5004, "elementName": "level", "eventType": "onChanged", "value": "42"}
    server.client.get("/api/plugins/callUIEvent", params=params)
    server.wait_prop(5004, "value", 42)
    assert not any(w["crashed"] for w in server.workers().values())
