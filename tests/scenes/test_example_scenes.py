"""The example home's scene files parse, install with stable ids, and the doorbell scene runs."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from plua2.fibaro_api.home import Home
from plua2.fibaro_api.store import Store
from plua2.supervisor.scene_folder import find_scene_files, install_scenes
from up_helpers import wait_for

EXAMPLE_HOME = Path(__file__).resolve().parents[2] / "examples" / "home"


def test_the_example_scene_files_install_as_lua_scenes_with_conditions() -> None:
    store = Store()
    home = Home(store)
    home.rooms.add_room({"name": "Living room"})
    installed = install_scenes(home, EXAMPLE_HOME)
    assert installed.problems == [] and installed.warnings == []
    assert sorted(installed.files.values()) == [p.name for p in find_scene_files(EXAMPLE_HOME)]
    for scene_id in installed.files:
        conditions, actions = home.scenes.lua_scene(scene_id)
        assert conditions["conditions"] and "fibaro.call" in actions
    next_run = Home(store)  # the next run of plua2 up on the same state folder
    again = install_scenes(next_run, EXAMPLE_HOME)
    assert again.files == installed.files  # the same ids, the scenes updated in place
    assert len(next_run.scenes.scenes) == len(installed.files)


def test_the_doorbell_example_lights_the_lamp(qa_server: Any, tmp_path: Path) -> None:
    folder = tmp_path / "home"
    shutil.copytree(EXAMPLE_HOME, folder, ignore=shutil.ignore_patterns(".plua2", "0*.lua"))
    server = qa_server(folder)
    scene_names = "Doorbell lights the living room"  # listed: installed and watching triggers
    wait_for(lambda: scene_names in str(server.get("/api/scenes")), 10, "the scenes installed")
    assert server.client.post("/api/customEvents/Doorbell").status_code == 204
    server.wait_prop(100, "value", True)
    wait_for(
        lambda: any("ring 1, started by" in m["message"] for m in server.console()), 10, "print"
    )
