"""QuickApps under a real `plua2 up`: ids, properties, actions, UI, fibaro.call, children, console,
crashes, restarts, .fqa export/import/files, and a second run on the same state.

One `plua2 up` serves the whole module (tests run in file order; the last ones restart it).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from up_helpers import QAServer, wait_for, write_project

REPO = Path(__file__).resolve().parents[2]

APPEND = """
seen = {}
function QuickApp:append(i)
  seen[#seen + 1] = tostring(i)
  self:updateProperty("log", table.concat(seen, ","))
end
"""

PROJECT = {
    "a_switch.lua": """--%%name=Switch A
--%%type=com.fibaro.binarySwitch
--%%var=greeting:"hello"
function QuickApp:onInit()
  print("A printed")
  self:debug("A debug", self:getVariable("greeting"))
end
function QuickApp:turnOn() self:updateProperty("value", true) end
function QuickApp:turnOff() self:updateProperty("value", false) end
function QuickApp:setGreeting(text) self:setVariable("greeting", text) end
"""
    + APPEND,
    "b_caller.lua": """--%%name=Caller B
function QuickApp:onInit() self:debug("B ready") end
function QuickApp:run(n)
  for i = 1, n do
    fibaro.call(5000, "append", i)
    fibaro.call(self.id, "append", i)
  end
end
"""
    + APPEND,
    "c_panel.lua": """--%%name=Panel C
--%%id=5100
--%%u={button="btn1", text="Press", onReleased="pressed"}
--%%u={slider="sl1", text="Level", onChanged="slid"}
--%%u={label="lbl1", text="..."}
--%%bogus=1
function QuickApp:onInit() end
function QuickApp:pressed(ev) self:updateProperty("log", "pressed:" .. ev.elementName) end
function QuickApp:slid(ev) self:updateProperty("log", "slid:" .. tostring(ev.values[1])) end
""",
    "d_parent.lua": """--%%name=Parent D
--%%type=com.fibaro.remoteController
class "Lamp"(QuickAppChild)
function Lamp:__init(device) QuickAppChild.__init(self, device) end
function Lamp:turnOn() self:updateProperty("value", true) end
function QuickApp:onInit()
  self:initChildDevices({["com.fibaro.binarySwitch"] = Lamp})
  local n = 0
  for _ in pairs(self.childDevices) do n = n + 1 end
  if n == 0 then
    self:createChildDevice({name = "Lamp 1", type = "com.fibaro.binarySwitch"}, Lamp)
  end
end
""",
    "e_crash.lua": """--%%name=Crash E
function QuickApp:onInit() error("boom in onInit") end
""",
    "lib_helper.lua": "--%%name=not a QuickApp: included by f_multi\nHelper = {x = 42}\n",
    "f_multi.lua": """--%%name=Multi F
--%%file=lib_helper.lua,helper
function QuickApp:onInit() self:updateProperty("log", "helper " .. Helper.x) end
""",
    "z_broken.lua": "--%%name=Broken\n--%%u={button=\n",
}
IDS = {"a_switch.lua": 5000, "b_caller.lua": 5001, "c_panel.lua": 5100, "d_parent.lua": 5002,
       "e_crash.lua": 5003, "f_multi.lua": 5004, "hc3_export.fqa": 5005}  # fmt: skip


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("qa_home")
    folder = write_project(root / "home", PROJECT)
    shutil.copy(REPO / "examples" / "quickapps" / "hc3_export.fqa", folder / "hc3_export.fqa")
    return folder, root / "state"


@pytest.fixture(scope="module")
def server(module_servers: Any, paths: tuple[Path, Path]) -> QAServer:
    server: QAServer = module_servers(*paths)
    server.wait_running(list(IDS.values()))
    return server


def test_every_quickapp_runs_with_ids_in_sorted_order(server: QAServer) -> None:
    workers = server.workers()
    assert set(workers) == set(IDS.values())  # lib_helper.lua is f_multi's file, z_broken is bad
    for name, device_id in IDS.items():
        device = server.get(f"/api/devices/{device_id}")
        assert "quickApp" in device["interfaces"], name
        assert device["isPlugin"] is True
    assert server.prop(5004, "log") == "helper 42"
    wait_for(lambda: any("z_broken.lua:2" in line for line in server.lines), 5, "the bad file")
    bad = [line for line in server.lines if "z_broken.lua" in line]
    assert len(bad) == 1, bad
    assert sum("unknown directive --%%bogus" in line for line in server.lines) == 1


def test_console_lines_carry_the_quickapp_tag(server: QAServer) -> None:
    def lines() -> list[tuple[str, str]]:
        return [(m["tag"], m["message"]) for m in server.console()]

    wait_for(lambda: ("QUICKAPP5000", "A debug hello") in lines(), 5, "A's debug line")
    assert ("QUICKAPP5000", "A printed") in lines()
    assert any(m["type"] == "debug" and m["message"] == "A printed" for m in server.console())


def test_action_reaches_the_method_and_update_property_reaches_refresh_states(
    server: QAServer,
) -> None:
    last = server.get("/api/refreshStates", params={"last": 0})["last"]
    response = server.client.post("/api/devices/5000/action/turnOn", json={"args": []})
    assert response.status_code == 202
    server.wait_prop(5000, "value", True)
    state = server.get("/api/refreshStates", params={"last": last})
    assert {"id": 5000, "value": True} in state["changes"]


def test_ui_events_reach_the_ui_callbacks(server: QAServer) -> None:
    params = {"deviceID": 5100, "elementName": "btn1", "eventType": "onReleased"}
    assert server.client.get("/api/plugins/callUIEvent", params=params).status_code == 200
    server.wait_prop(5100, "log", "pressed:btn1")
    body = {"args": ["onChanged", "sl1", 42]}
    assert server.client.post("/api/devices/5100/action/UIAction", json=body).status_code == 202
    server.wait_prop(5100, "log", "slid:42")


def test_fibaro_call_to_another_quickapp_and_to_itself_in_order(server: QAServer) -> None:
    server.client.post("/api/devices/5001/action/run", json={"args": [25]})
    expected = ",".join(str(i) for i in range(1, 26))
    server.wait_prop(5000, "log", expected)
    server.wait_prop(5001, "log", expected)


def test_child_device_action_reaches_the_child_class(server: QAServer) -> None:
    children = wait_for(
        lambda: server.get("/api/devices", params={"parentId": 5002}), 5, "the child"
    )
    assert len(children) == 1 and "quickAppChild" in children[0]["interfaces"]
    child = children[0]["id"]
    server.client.post(f"/api/devices/{child}/action/turnOn", json={"args": []})
    server.wait_prop(child, "value", True)


def test_error_in_on_init_marks_crashed_without_restart_loop(server: QAServer) -> None:
    events = server.get("/api/refreshStates", params={"last": 1})["events"]
    crashes = [e["data"] for e in events if e["type"] == "PluginProcessCrashedEvent"]
    assert any(c["deviceId"] == 5003 and "boom in onInit" in c["error"] for c in crashes)
    errors = [m for m in server.console() if m["tag"] == "QUICKAPP5003" and m["type"] == "error"]
    assert errors and "boom in onInit" in errors[0]["message"]
    time.sleep(0.5)
    info = server.workers()[5003]
    assert info["crashed"] is True
    assert info["state"] == "running" and info["restarts"] == 0


def test_restart_of_one_worker_keeps_the_others(server: QAServer) -> None:
    before = {i: w["pid"] for i, w in server.workers().items()}
    response = server.client.post("/plua/workers/5000/restart")
    assert response.status_code == 200
    wait_for(
        lambda: (
            server.workers()[5000]["pid"] not in (None, before[5000])
            and server.workers()[5000]["state"] == "running"
        ),
        10,
        "a new pid for 5000",
    )
    after = {i: w["pid"] for i, w in server.workers().items()}
    assert all(after[i] == before[i] for i in before if i != 5000)
    assert server.client.post("/api/plugins/restart", json={"deviceId": 5001}).json() == {
        "status": True
    }
    wait_for(lambda: server.workers()[5001]["pid"] != before[5001], 10, "a new pid for 5001")
    assert server.client.post("/plua/workers/999/restart").status_code == 404


def test_fqa_in_the_folder_runs(server: QAServer) -> None:
    wait_for(
        lambda: any(
            m["tag"] == "QUICKAPP5005" and "onInit" in m["message"] for m in server.console()
        ),
        5,
        "the .fqa's onInit",
    )
    server.client.get(
        "/api/plugins/callUIEvent",
        params={"deviceID": 5005, "elementName": "btnOn", "eventType": "onReleased"},
    )
    server.wait_prop(5005, "value", True)


def _import(server: QAServer, fqa: dict[str, Any], multipart: bool) -> int:
    if multipart:
        files = {"file": ("qa.fqa", json.dumps(fqa).encode(), "application/octet-stream")}
        response = server.client.post("/api/quickApp/import", files=files)
    else:
        response = server.client.post("/api/quickApp/import", json=fqa)
    assert response.status_code == 200, response.text
    device = response.json()
    assert "quickApp" in device["interfaces"]
    return int(device["id"])


def test_export_then_import_runs_a_new_device(server: QAServer) -> None:
    fqa = server.get("/api/quickApp/export/5000")
    assert fqa["name"] == "Switch A" and fqa["files"][0]["isMain"] is True
    assert "--%%" not in fqa["files"][0]["content"]  # an HC3's export carries no headers
    new_id = _import(server, fqa, multipart=True)
    assert new_id not in IDS.values()
    server.wait_running([new_id])
    server.client.post(f"/api/devices/{new_id}/action/turnOn", json={"args": []})
    server.wait_prop(new_id, "value", True)
    raw_id = _import(server, fqa, multipart=False)
    server.wait_running([raw_id])
    bad = server.client.post("/api/quickApp/import", json={"name": "x"})
    assert bad.status_code == 400


def test_files_put_restarts_only_that_worker(server: QAServer) -> None:
    fqa = server.get("/api/quickApp/export/5000")
    qa_id = _import(server, fqa, multipart=False)
    server.wait_running([qa_id])
    before = {i: w["pid"] for i, w in server.workers().items()}
    code = 'function QuickApp:onInit() self:updateProperty("log", "v2") end\n'
    response = server.client.put(f"/api/quickApp/{qa_id}/files/main", json={"content": code})
    assert response.status_code == 200
    server.wait_prop(qa_id, "log", "v2")
    wait_for(lambda: server.workers()[qa_id]["state"] == "running", 5, "running again")
    after = {i: w["pid"] for i, w in server.workers().items()}
    assert after[qa_id] != before[qa_id]
    assert all(after[i] == before[i] for i in before if i != qa_id)
    assert server.get(f"/api/quickApp/{qa_id}/files/main")["content"] == code
    assert server.client.delete(f"/api/devices/{qa_id}").status_code == 200
    wait_for(lambda: qa_id not in server.workers(), 5, "the worker removed with its device")


def test_shutdown_stops_everything_and_ids_are_stable_on_the_next_run(
    server: QAServer, module_servers: Any, paths: tuple[Path, Path]
) -> None:
    server.client.post("/api/devices/5000/action/setGreeting", json={"args": ["changed"]})
    wait_for(
        lambda: server.prop(5000, "quickAppVariables")[0]["value"] == "changed", 5, "variable set"
    )
    child = server.get("/api/devices", params={"parentId": 5002})[0]["id"]
    processes = psutil.Process(server.up.pid).children(recursive=True)
    assert len(processes) >= len(IDS)
    started = time.monotonic()
    os.kill(server.up.pid, signal.SIGTERM)
    assert server.up.proc.wait(5) == 0
    assert time.monotonic() - started < 3.0
    _, still = psutil.wait_procs(processes, timeout=1)
    assert still == []

    folder, state = paths
    (folder / "b2_new.lua").write_text("--%%name=New one\n", encoding="utf-8")
    again: QAServer = module_servers(folder, state)
    again.wait_running(list(IDS.values()))
    for name, device_id in IDS.items():
        assert again.get(f"/api/devices/{device_id}")["name"] != "", name
    new_one = again.get("/api/devices", params={"name": "New one"})
    assert len(new_one) == 1 and new_one[0]["id"] > 5005 and new_one[0]["id"] not in (child, 5100)
    again.wait_running([new_one[0]["id"]])
    assert again.get("/api/devices", params={"parentId": 5002})[0]["id"] == child
    assert again.prop(5000, "quickAppVariables") == [{"name": "greeting", "value": "changed"}]
