"""Lua scenes under a real `plua2 up`: started by conditions, execute (with args), fibaro.scene and
the API; kill stops a stuck instance without touching any QuickApp; refreshStates events."""

from __future__ import annotations

import json
from typing import Any

import pytest
from up_helpers import QAServer, wait_for

SWITCH = """--%%name={name}
--%%id={id}
--%%type=com.fibaro.binarySwitch
function QuickApp:onInit() end
function QuickApp:turnOn() self:updateProperty("value", true) end
function QuickApp:turnOff() self:updateProperty("value", false) end
function QuickApp:runScene(id) fibaro.scene("execute", {{id}}) end
"""

FILES = {
    "plua2.toml": """[globals]
FollowedBy = ""
ExecArgs = ""
Loop = ""
Bell = ""
Mode = "Day"
FromQA = ""
Created = ""

[[customEvents]]
name = "Doorbell"
""",
    "switch.lua": SWITCH.format(name="Switch", id=5000),
    "lamp.lua": SWITCH.format(name="Lamp", id=5001),
    "follow.scene.lua": """--%%name=Lamp follows the switch
--%%id=20
--[[CONDITIONS
{
  operator = "all",
  conditions = {
    { type = "device", id = 5000, property = "value", operator = "==", value = true,
      isTrigger = true },
  },
}
]]
fibaro.call(5001, "turnOn")
fibaro.setGlobalVariable("FollowedBy", json.encode(sourceTrigger))
""",
    "exec.scene.lua": """--%%name=Do what the args say
--%%id=21
local args = sourceTrigger.args
fibaro.call(args.device, args.action)
fibaro.setGlobalVariable("ExecArgs", json.encode(sourceTrigger))
""",
    "loop.scene.lua": """--%%name=Sleeps forever
--%%id=22
fibaro.setGlobalVariable("Loop", "started")
while true do fibaro.sleep(100) end
""",
    "spin.scene.lua": """--%%name=Spins forever
--%%id=23
while true do end
""",
    "bell.scene.lua": """--%%name=Doorbell at night
--%%id=24
--[[CONDITIONS
{ operator = "all", conditions = {
    { type = "custom-event", property = "Doorbell", operator = "==", isTrigger = true },
    { type = "global-variable", property = "Mode", operator = "==", value = "Night" },
} }
]]
local n = (fibaro.getSceneVariable("rings") or 0) + 1
fibaro.setSceneVariable("rings", n)
fibaro.setGlobalVariable("Bell", sourceTrigger.type .. " " .. sourceTrigger.property .. " " .. n)
""",
    "fromqa.scene.lua": """--%%name=Started by a QuickApp
--%%id=25
--%%maxRunningInstances=1
--%%restart=false
setTimeout(function() fibaro.setGlobalVariable("FromQA", sourceTrigger.type) end, 50)
""",
}


@pytest.fixture(scope="module")
def hc3(up_project: Any) -> QAServer:
    server: QAServer = up_project(FILES)
    server.wait_running([5000, 5001])
    return server


def glob(hc3: QAServer, name: str) -> str:
    return str(hc3.get(f"/api/globalVariables/{name}")["value"])


def wait_global(hc3: QAServer, name: str, predicate: Any, timeout: float = 10.0) -> str:
    return str(
        wait_for(
            lambda: predicate(glob(hc3, name)) and glob(hc3, name),
            timeout,
            f"global {name} (is {glob(hc3, name)!r})",
        )
    )


def post(hc3: QAServer, path: str, body: Any = None) -> int:
    return hc3.client.post(path, json=body if body is not None else {}).status_code


def test_the_folder_scenes_are_listed_with_their_hc3_content(hc3: QAServer) -> None:
    scenes = {s["id"]: s for s in hc3.get("/api/scenes")}
    assert {20, 21, 22, 23, 24, 25} <= set(scenes)
    follow = scenes[20]
    assert (follow["name"], follow["type"], follow["isRunning"]) == (
        "Lamp follows the switch", "lua", False)  # fmt: skip
    content = json.loads(follow["content"])
    assert "isTrigger = true" in content["conditions"]
    assert 'fibaro.call(5001, "turnOn")' in content["actions"]
    assert scenes[25]["maxRunningInstances"] == 1 and scenes[25]["restart"] is False
    assert 20 not in hc3.workers()  # scene instances are not QuickApp workers


def test_a_device_condition_runs_the_scene_when_a_quickapp_changes_the_property(
    hc3: QAServer,
) -> None:
    assert post(hc3, "/api/devices/5000/action/turnOn") == 202
    hc3.wait_prop(5001, "value", True)
    trigger = json.loads(wait_global(hc3, "FollowedBy", bool))
    assert trigger == {"type": "device", "id": 5000, "property": "value", "value": True}


def test_an_executed_scene_changes_a_device_with_args_in_source_trigger(hc3: QAServer) -> None:
    post(hc3, "/api/devices/5001/action/turnOn")
    hc3.wait_prop(5001, "value", True)
    args = {"device": 5001, "action": "turnOff"}
    assert post(hc3, "/api/scenes/21/execute", {"args": args}) == 204
    hc3.wait_prop(5001, "value", False)
    trigger = json.loads(wait_global(hc3, "ExecArgs", bool))
    assert trigger == {"type": "user", "property": "execute", "id": 2, "args": args}


def test_fibaro_scene_from_a_quickapp_starts_a_scene(hc3: QAServer) -> None:
    assert post(hc3, "/api/devices/5000/action/runScene", {"args": [25]}) == 202
    assert wait_global(hc3, "FromQA", bool) == "user"
    wait_for(lambda: not hc3.get("/api/scenes/25")["isRunning"], 10, "scene 25 finished")


def test_custom_event_with_a_global_condition_and_scene_variables(hc3: QAServer) -> None:
    assert post(hc3, "/api/customEvents/Doorbell") == 204  # Mode is Day: no start
    hc3.client.put("/api/globalVariables/Mode", json={"value": "Night"})
    assert post(hc3, "/api/customEvents/Doorbell") == 204
    assert wait_global(hc3, "Bell", bool) == "custom-event Doorbell 1"
    wait_for(lambda: not hc3.get("/api/scenes/24")["isRunning"], 10, "scene 24 finished")
    assert post(hc3, "/api/customEvents/Doorbell") == 204
    assert wait_global(hc3, "Bell", lambda v: v.endswith(" 2")) == "custom-event Doorbell 2"
    hc3.client.put("/api/globalVariables/Mode", json={"value": "Day"})


def test_kill_stops_stuck_scenes_without_touching_any_quickapp(hc3: QAServer) -> None:
    pids = {i: w["pid"] for i, w in hc3.workers().items()}
    last = hc3.get("/api/refreshStates", params={"last": 0})["last"]
    assert post(hc3, "/api/scenes/22/execute") == 204
    assert hc3.client.get("/api/scenes/23/execute").status_code == 204  # the GET form
    wait_global(hc3, "Loop", lambda v: v == "started")
    wait_for(lambda: hc3.get("/api/scenes/23")["isRunning"], 10, "scene 23 running")
    assert hc3.get("/api/scenes/22")["isRunning"] is True
    assert post(hc3, "/api/scenes/22/kill") == 204
    assert hc3.client.get("/api/scenes/23/kill").status_code == 204
    for scene_id in (22, 23):
        wait_for(lambda s=scene_id: not hc3.get(f"/api/scenes/{s}")["isRunning"], 10,
                 f"scene {scene_id} killed")  # fmt: skip
    assert {i: w["pid"] for i, w in hc3.workers().items()} == pids
    assert all(w["state"] == "running" for w in hc3.workers().values())
    events = hc3.get("/api/refreshStates", params={"last": last})["events"]
    seen = [(e["type"], e["data"].get("id")) for e in events if e["type"].startswith("Scene")]
    for scene_id in (22, 23):
        assert ("SceneStartedEvent", scene_id) in seen
        assert ("SceneFinishedEvent", scene_id) in seen
        started = seen.index(("SceneStartedEvent", scene_id))
        assert seen.index(("SceneFinishedEvent", scene_id)) > started


def test_max_running_instances_without_restart_drops_a_second_start(hc3: QAServer) -> None:
    body = {"name": "Long", "type": "lua", "maxRunningInstances": 1, "restart": False,
            "content": json.dumps({"conditions": "", "actions": "fibaro.sleep(60000)"})}  # fmt: skip
    scene_id = hc3.client.post("/api/scenes", json=body).json()["id"]
    last = hc3.get("/api/refreshStates", params={"last": 0})["last"]
    post(hc3, f"/api/scenes/{scene_id}/execute")
    post(hc3, f"/api/scenes/{scene_id}/execute")
    wait_for(lambda: hc3.get(f"/api/scenes/{scene_id}")["isRunning"], 10, "running")
    post(hc3, f"/api/scenes/{scene_id}/kill")
    wait_for(lambda: not hc3.get(f"/api/scenes/{scene_id}")["isRunning"], 10, "killed")
    events = hc3.get("/api/refreshStates", params={"last": last})["events"]
    counts = [e["data"]["runningInstances"] for e in events
              if e["type"] == "SceneRunningInstancesEvent" and e["data"]["id"] == scene_id]  # fmt: skip
    assert counts == [1, 0]


def test_a_scene_created_through_the_api_runs_and_put_changes_it(hc3: QAServer) -> None:
    conditions = ("{operator='any', conditions={{type='global-variable', property='Mode', "
                  "operator='==', value='Party', isTrigger=true}}}")  # fmt: skip
    actions = "fibaro.setGlobalVariable('Created', 'v1 ' .. sourceTrigger.type)"
    body = {"name": "Made by API", "type": "lua",
            "content": json.dumps({"conditions": conditions, "actions": actions})}  # fmt: skip
    response = hc3.client.post("/api/scenes", json=body)
    assert response.status_code == 201
    scene_id = response.json()["id"]
    assert post(hc3, f"/api/scenes/{scene_id}/execute") == 204
    assert wait_global(hc3, "Created", bool) == "v1 user"
    new = json.dumps({"conditions": conditions, "actions": actions.replace("v1", "v2")})
    assert hc3.client.put(f"/api/scenes/{scene_id}", json={"content": new}).status_code == 204
    hc3.client.put("/api/globalVariables/Mode", json={"value": "Party"})
    assert wait_global(hc3, "Created", lambda v: v.startswith("v2")) == "v2 global-variable"
    hc3.client.put("/api/globalVariables/Mode", json={"value": "Day"})


def test_bad_scene_content_is_refused(hc3: QAServer) -> None:
    body = {"name": "Bad", "type": "lua",
            "content": json.dumps({"conditions": "{operator='most'}", "actions": ""})}  # fmt: skip
    response = hc3.client.post("/api/scenes", json=body)
    assert response.status_code == 400
    assert hc3.client.post("/api/scenes/999/execute").status_code == 404
