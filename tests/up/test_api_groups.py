"""Each group of the QuickApp Lua API (REFERENCE.md §5) run by a real `plua2 up`, its effects
asserted over REST: QuickApp self methods, fibaro.* reads, globals and events, api.*, plugin.*,
net.HTTPClient and net.TCPSocket against local servers, timers, json.

One `plua2 up` serves the whole module: one QuickApp per group (ids 5000.. in file order), plain
devices, a room, globals, a custom event and a scene from the project's plua2.toml. A QuickApp
reports what it saw as JSON in its `log` property (or in other properties); the test compares that
with what the REST API says. Tests run in file order: some act on what an earlier one triggered.
"""

from __future__ import annotations

import json
import socketserver
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from up_helpers import QAServer, wait_for, write_project

TOML = """
[[rooms]]
name = "Lab"

[globals]
Mode = "Home"

[[customEvents]]
name = "Ping"

[[scenes]]
name = "Evening"

[[devices]]
id = 200
name = "Lab lamp"
type = "com.fibaro.binarySwitch"
room = "Lab"
properties = { value = true }

[[devices]]
id = 201
name = "Lab temperature"
type = "com.fibaro.temperatureSensor"
room = "Lab"
properties = { value = 19.5 }
"""

SELF = """--%%name=Self A
--%%type=com.fibaro.binarySwitch
--%%var=v1:"one"
--%%u={label="lbl1", text="..."}
class "Kid"(QuickAppChild)
function Kid:__init(device) QuickAppChild.__init(self, device) end
function Kid:turnOn() self:updateProperty("value", true) end
function Kid:turnOff() self:updateProperty("value", false) end
local function count(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end
function QuickApp:onInit()
  local R = {runs = (tonumber(self.properties.runs) or 0) + 1}
  self:updateProperty("runs", R.runs)
  self:updateProperty("value", true)
  self:setVariable("v2", "two")
  self:setVariable("v1", "uno")
  R.v1, R.v2, R.missing = self:getVariable("v1"), self:getVariable("v2"), self:getVariable("nope")
  self:internalStorageSet("k1", {a = 1})
  self:internalStorageSet("k2", "second")
  self:internalStorageSet("k2", "changed")
  self:internalStorageSet("k3", "third", true)
  R.k1, R.k2 = self:internalStorageGet("k1"), self:internalStorageGet("k2")
  self:internalStorageRemove("k3")
  R.k3gone = self:internalStorageGet("k3") == nil
  self:setName("Self A renamed")
  self:setVisible(false)
  self:addInterfaces({"battery", "energy"})
  self:deleteInterfaces({"energy"})
  R.battery, R.energy = self:hasInterface("battery"), self:hasInterface("energy")
  R.isTypeOf = {self:isTypeOf("com.fibaro.binarySwitch"), self:isTypeOf("com.fibaro.actor"),
                self:isTypeOf("com.fibaro.device"), self:isTypeOf("com.fibaro.sensor")}
  self:initChildDevices({["com.fibaro.binarySwitch"] = Kid})
  if count(self.childDevices) == 0 then -- the first run: later runs find Kid 1 in initChildDevices
    local kid1 = self:createChildDevice({name = "Kid 1", type = "com.fibaro.binarySwitch"}, Kid)
    local kid2 = self:createChildDevice({name = "Kid 2", type = "com.fibaro.binarySwitch"}, Kid)
    self:removeChildDevice(kid2.id)
    R.kid2 = kid2.id
  end
  for id, kid in pairs(self.childDevices) do
    R.kid1, R.kidParent, R.kidName = id, kid.parent.id, kid.name
  end
  R.children = count(self.childDevices)
  self:updateProperty("log", json.encode(R))
end
function QuickApp:view(text) self:updateView("lbl1", "text", text) end
function QuickApp:clear() self:internalStorageClear() end
function QuickApp:enable(on) self:setEnabled(on) end
"""

READS = """--%%name=Reads B
function QuickApp:onInit()
  local R = {}
  local value, modified = fibaro.get(200, "value")
  R.get, R.modified = value, modified
  R.getValue = fibaro.getValue(201, "value")
  R.getType, R.getName = fibaro.getType(201), fibaro.getName(200)
  R.hubName = hub.getName(201)
  R.roomID = fibaro.getRoomID(200)
  R.roomName = fibaro.getRoomName(R.roomID)
  R.roomNameByDevice = fibaro.getRoomNameByDeviceID(201)
  R.sectionID = fibaro.getSectionID(200)
  R.byType = fibaro.getDevicesID({type = "com.fibaro.temperatureSensor"})
  R.byRoom = fibaro.getDevicesID({roomID = R.roomID})
  R.byName = fibaro.getDevicesID({name = "Lab lamp"})
  R.byInterface = fibaro.getDevicesID({interfaces = {"quickApp"}})
  R.all = fibaro.getDevicesID()
  R.ids = fibaro.getIds({{id = 1}, {id = 3}, {id = 200}, {id = 5001}})
  R.unknownName = fibaro.getName(4242) == nil
  R.unknownValue = fibaro.getValue(4242, "value") == nil
  self:updateProperty("log", json.encode(R))
end
"""

GLOBALS = """--%%name=Globals C
R = {}
function QuickApp:onInit()
  R.mode = fibaro.getGlobalVariable("Mode")
  fibaro.setGlobalVariable("Mode", "Away")
  R.modeAfter = fibaro.getGlobalVariable("Mode")
  R.missing = fibaro.getGlobalVariable("NoSuchVariable") == nil
  self:updateProperty("log", json.encode(R))
end
function QuickApp:fire()
  fibaro.emitCustomEvent("Ping")
  for _, scene in ipairs(api.get("/scenes")) do
    if scene.name == "Evening" then fibaro.scene("execute", {scene.id}) end
  end
  fibaro.profile("activeProfile", 2)
  R.before = fibaro.getPartitionArmState(1)
  fibaro.alarm(1, "arm")
  R.after, R.home = fibaro.getPartitionArmState(1), fibaro.getHomeArmState()
  R.breached = fibaro.isHomeBreached()
  R.alert = pcall(fibaro.alert, "email", {2}, "hello from C")
  R.simplePush = pcall(fibaro.alert, "simplePush", {2}, "hello again")
  local filter = {args = {}, filters = {{filter = "deviceID", value = {200}}}}
  R.group = fibaro.callGroupAction("turnOff", filter)
  self:updateProperty("log", json.encode(R))
end
"""

API = """--%%name=Api D
function QuickApp:onInit()
  local R = {}
  local device, status = api.get("/devices/" .. self.id)
  R.getStatus, R.getName = status, device.name
  R.notFound = select(2, api.get("/devices/424242"))
  R.noSuchPath = select(2, api.get("/no/such/path"))
  R.postStatus = select(2, api.post("/globalVariables", {name = "FromApi", value = "1"}))
  R.putStatus = select(2, api.put("/globalVariables/FromApi", {value = "2"}))
  R.afterPut = api.get("/globalVariables/FromApi").value
  api.post("/globalVariables", {name = "Doomed", value = "x"})
  R.deleteStatus = select(2, api.delete("/globalVariables/Doomed"))
  R.deleteAgain = select(2, api.delete("/globalVariables/Doomed"))
  R.putMissing = select(2, api.put("/globalVariables/NeverThere", {value = "1"}))
  self:updateProperty("log", json.encode(R))
end
"""

PLUGIN = """--%%name=Plugin E
function QuickApp:onInit()
  local R = {}
  R.mainDeviceId = plugin.mainDeviceId
  R.name = plugin.getDevice(self.id).name
  R.lamp = plugin.getProperty(200, "value")
  if #plugin.getChildDevices(self.id) == 0 then
    local child = plugin.createChildDevice({parentId = self.id, name = "Plug kid",
                                            type = "com.fibaro.binarySwitch"})
    local extra = plugin.createChildDevice({parentId = self.id, name = "Plug extra",
                                            type = "com.fibaro.binarySwitch"})
    R.created, R.extra = child.id, extra.id
    R.deleteStatus = select(2, plugin.deleteDevice(extra.id))
  end
  local names = {}
  for _, child in ipairs(plugin.getChildDevices(self.id)) do names[#names + 1] = child.name end
  R.children = names
  self:initChildDevices({["com.fibaro.binarySwitch"] = QuickAppChild})
  self:updateProperty("runs", (tonumber(self.properties.runs) or 0) + 1)
  self:updateProperty("log", json.encode(R))
end
function QuickApp:restartMe() plugin.restart() end
"""

NET = """--%%name=Net F
--%%var=base:"{base}"
--%%var=tcpPort:{tcp_port}
function QuickApp:onInit()
  local http = net.HTTPClient({{timeout = 3000}})
  http:request(self:getVariable("base") .. "/echo?x=1", {{
    options = {{method = "POST", data = json.encode({{a = 1}}),
               headers = {{["X-Test"] = "plua2", ["Content-Type"] = "application/json"}}}},
    success = function(response)
      self:updateProperty("http", json.encode({{status = response.status, data = response.data,
                                                server = response.headers["X-Server"]}}))
    end,
    error = function(err) self:updateProperty("http", "error " .. tostring(err)) end,
  }})
  http:request(self:getVariable("base") .. "/missing", {{
    success = function(response) self:updateProperty("http404", response.status) end,
    error = function(err) self:updateProperty("http404", "error " .. tostring(err)) end,
  }})
  local sock = net.TCPSocket({{timeout = 3000}})
  local function fail(err) self:updateProperty("tcp", "error " .. tostring(err)) end
  sock:connect("127.0.0.1", tonumber(self:getVariable("tcpPort")), {{
    success = function()
      sock:write("ping from F\\n", {{
        success = function()
          sock:readUntil("\\n", {{
            success = function(data) self:updateProperty("tcp", data) sock:close() end,
            error = fail,
          }})
        end,
        error = fail,
      }})
    end,
    error = fail,
  }})
end
"""

TIMERS = """--%%name=Timers G
function QuickApp:onInit()
  local ticks, ref = 0, nil
  ref = setInterval(function()
    ticks = ticks + 1
    if ticks == 5 then clearInterval(ref) end
    self:updateProperty("ticks", ticks)
  end, 40)
  setTimeout(function() self:updateProperty("timeout", "fired") end, 60)
  local cancelled = setTimeout(function() self:updateProperty("cancelled", "fired") end, 20)
  clearTimeout(cancelled)
  fibaro.setTimeout(80, function() self:updateProperty("fibaroTimeout", "fired") end)
  fibaro.setTimeout(30, function() error("bad timer") end, function(err)
    self:updateProperty("handled", tostring(err):find("bad timer", 1, true) and "yes" or "no")
  end)
  local dropped = fibaro.setTimeout(20, function() self:updateProperty("cancelled", "fired") end)
  fibaro.clearTimeout(dropped)
end
function QuickApp:sleepy(ms)
  local order = {}
  setTimeout(function()
    order[#order + 1] = "timer"
    self:updateProperty("order", table.concat(order, ","))
  end, 0)
  fibaro.sleep(ms)
  order[#order + 1] = "slept"
end
"""

JSON = """--%%name=Json H
function QuickApp:onInit()
  local value = {name = "h", list = {1, 2, 3}, nested = {flag = true, f = 1.5, n = -7},
                 empty = json.util.InitArray({}), text = 'quote " backslash \\\\ é \\n end'}
  local text = json.encode(value)
  local back = json.decode(text)
  local same = back.name == "h" and #back.list == 3 and back.list[3] == 3
    and back.nested.flag == true and back.nested.f == 1.5 and back.nested.n == -7
    and back.text == value.text and #back.empty == 0
  local decoded = json.decode('{"a": [1, 2, {"b": null}], "c": false, "d": "x"}')
  self:updateProperty("log", text)
  self:updateProperty("roundTrip", same)
  self:updateProperty("decoded", json.encode({a2 = decoded.a[2], c = decoded.c, d = decoded.d}))
end
"""

IDS = {"self": 5000, "reads": 5001, "globals": 5002, "api": 5003, "plugin": 5004, "net": 5005,
       "timers": 5006, "json": 5007}  # fmt: skip


class _Echo(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        if not self.path.startswith("/echo"):
            self.send_error(404)
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        reply = json.dumps(
            {
                "method": "POST",
                "path": self.path,
                "x-test": self.headers.get("X-Test"),
                "body": body,
            }  # fmt: skip
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Server", "test")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def do_GET(self) -> None:
        self.send_error(404)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _TCPEcho(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.wfile.write(self.rfile.readline())


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture(scope="module")
def local_servers() -> Iterator[tuple[str, int]]:
    http = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    tcp = _TCPServer(("127.0.0.1", 0), _TCPEcho)
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (http, tcp)]
    for thread in threads:
        thread.start()
    yield f"http://127.0.0.1:{http.server_address[1]}", int(tcp.server_address[1])
    for server in (http, tcp):
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def server(
    module_servers: Any, tmp_path_factory: pytest.TempPathFactory, local_servers: tuple[str, int]
) -> QAServer:
    base, tcp_port = local_servers
    root = tmp_path_factory.mktemp("api_groups")
    files = {"plua2.toml": TOML, "a_self.lua": SELF, "b_reads.lua": READS,
             "c_globals.lua": GLOBALS, "d_api.lua": API, "e_plugin.lua": PLUGIN,
             "f_net.lua": NET.format(base=base, tcp_port=tcp_port), "g_timers.lua": TIMERS,
             "h_json.lua": JSON}  # fmt: skip
    folder = write_project(root / "home", files)
    server: QAServer = module_servers(folder, root / "state")
    server.wait_running(list(IDS.values()))
    return server


def report(server: QAServer, device_id: int, name: str = "log") -> dict[str, Any]:
    """The JSON a QuickApp wrote into a property, once it is there."""
    text = wait_for(lambda: server.prop(device_id, name), 10, f"{device_id}'s {name}")
    assert isinstance(text, str), text
    result: dict[str, Any] = json.loads(text)
    return result


def last(server: QAServer) -> int:
    return int(server.get("/api/refreshStates", params={"last": 0})["last"])


def events_since(server: QAServer, since: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = server.get("/api/refreshStates", params={"last": since}).get(
        "events", []
    )
    return events


def no_errors(server: QAServer, device_id: int) -> None:
    errors = [m["message"] for m in server.console()
              if m["tag"] == f"QUICKAPP{device_id}" and m["type"] == "error"]  # fmt: skip
    assert errors == []


# ------------------------------------------------------------------------- 1. QuickApp self


def test_quickapp_self_methods(server: QAServer) -> None:
    qa = IDS["self"]
    seen = report(server, qa)
    device = server.get(f"/api/devices/{qa}")
    assert device["properties"]["value"] is True
    assert seen["v1"] == "uno" and seen["v2"] == "two" and seen["missing"] == ""
    assert device["properties"]["quickAppVariables"] == [
        {"name": "v1", "value": "uno"},
        {"name": "v2", "value": "two"},
    ]
    assert seen["k1"] == {"a": 1} and seen["k2"] == "changed" and seen["k3gone"] is True
    storage = {v["name"]: v for v in server.get(f"/api/plugins/{qa}/variables")}
    assert set(storage) == {"k1", "k2"}
    assert storage["k1"]["value"] == {"a": 1} and storage["k2"]["value"] == "changed"
    assert device["name"] == "Self A renamed" and device["visible"] is False
    assert "battery" in device["interfaces"] and "energy" not in device["interfaces"]
    assert seen["battery"] is True and seen["energy"] is False
    assert seen["isTypeOf"] == [True, True, True, False]  # GET /api/devices/hierarchy
    assert server.get("/api/devices/hierarchy")["type"] == "com.fibaro.device"
    assert seen["children"] == 1 and seen["kidParent"] == qa
    children = server.get("/api/devices", params={"parentId": qa})
    assert [c["id"] for c in children] == [seen["kid1"]]
    assert children[0]["name"] == "Kid 1" and "quickAppChild" in children[0]["interfaces"]
    assert server.client.get(f"/api/devices/{seen['kid2']}").status_code == 404
    server.client.post(f"/api/devices/{seen['kid1']}/action/turnOn", json={"args": []})
    server.wait_prop(seen["kid1"], "value", True)
    no_errors(server, qa)


def test_quickapp_update_view_storage_clear_and_enabled(server: QAServer) -> None:
    qa = IDS["self"]
    report(server, qa)
    since = last(server)
    server.client.post(f"/api/devices/{qa}/action/view", json={"args": ["new text"]})
    server.client.post(f"/api/devices/{qa}/action/clear", json={"args": []})
    server.client.post(f"/api/devices/{qa}/action/enable", json={"args": [False]})

    def view_event() -> Any:
        return [e["data"] for e in events_since(server, since)
                if e["type"] == "PluginChangedViewEvent"]  # fmt: skip

    views = wait_for(view_event, 5, "PluginChangedViewEvent")
    assert {"deviceId": qa, "componentName": "lbl1", "propertyName": "text",
            "newValue": "new text"} in views  # fmt: skip
    wait_for(lambda: server.get(f"/api/plugins/{qa}/variables") == [], 5, "storage cleared")
    wait_for(lambda: server.get(f"/api/devices/{qa}")["enabled"] is False, 5, "disabled")
    server.client.post(f"/api/devices/{qa}/action/enable", json={"args": [True]})
    wait_for(lambda: server.get(f"/api/devices/{qa}")["enabled"] is True, 5, "enabled again")


def test_init_child_devices_after_a_restart_gives_children_their_class(server: QAServer) -> None:
    qa = IDS["self"]
    kid = report(server, qa)["kid1"]
    pid = server.workers()[qa]["pid"]
    assert server.client.post(f"/plua/workers/{qa}/restart").status_code == 200
    wait_for(lambda: server.workers()[qa]["pid"] not in (None, pid), 10, "a new pid")
    server.wait_prop(qa, "runs", 2)
    seen = report(server, qa)
    assert seen["runs"] == 2 and seen["kid1"] == kid and seen["children"] == 1
    assert seen["kidName"] == "Kid 1" and seen["kidParent"] == qa
    assert [c["id"] for c in server.get("/api/devices", params={"parentId": qa})] == [kid]
    server.client.post(f"/api/devices/{kid}/action/turnOff", json={"args": []})  # Kid's method
    server.wait_prop(kid, "value", False)
    no_errors(server, qa)


# ------------------------------------------------------------------------- 2. fibaro.* reads


def test_fibaro_reads(server: QAServer) -> None:
    seen = report(server, IDS["reads"])
    lamp = server.get("/api/devices/200")
    room = server.get(f"/api/rooms/{lamp['roomID']}")
    assert room["name"] == "Lab"
    assert seen["get"] is True and seen["modified"] == lamp["modified"]
    assert seen["getValue"] == 19.5
    assert seen["getType"] == "com.fibaro.temperatureSensor"
    assert seen["getName"] == "Lab lamp" and seen["hubName"] == "Lab temperature"
    assert seen["roomID"] == lamp["roomID"] and seen["roomName"] == "Lab"
    assert seen["roomNameByDevice"] == "Lab" and seen["sectionID"] == room["sectionID"]
    assert seen["byType"] == [201]
    assert sorted(seen["byRoom"]) == [200, 201]
    assert seen["byName"] == [200]
    quickapps = [d["id"] for d in server.get("/api/devices", params={"interface": "quickApp"})]
    assert sorted(seen["byInterface"]) == sorted(quickapps)
    assert set(IDS.values()) <= set(seen["byInterface"])
    every = [d["id"] for d in server.get("/api/devices") if d["id"] > 3]
    assert {200, 201, *IDS.values()} <= set(seen["all"]) <= set(every)
    assert seen["ids"] == [200, 5001]
    assert seen["unknownName"] is True and seen["unknownValue"] is True
    no_errors(server, IDS["reads"])


# ------------------------------------------------------------------------- 3. globals, events


def test_global_variables(server: QAServer) -> None:
    seen = report(server, IDS["globals"])
    assert seen == {"mode": "Home", "modeAfter": "Away", "missing": True}
    assert server.get("/api/globalVariables/Mode")["value"] == "Away"


def test_custom_event_scene_profile_alarm_alert(server: QAServer) -> None:
    qa = IDS["globals"]
    first = report(server, qa)
    assert server.get("/api/alarms/v1/partitions/1")["armed"] is False
    since = last(server)
    server.client.post(f"/api/devices/{qa}/action/fire", json={"args": []})
    seen = wait_for(lambda: (r := report(server, qa)) != first and r, 10, "fire's report")
    events = events_since(server, since)
    kinds = {e["type"]: e["data"] for e in events}
    assert kinds["CustomEvent"]["name"] == "Ping"
    scene = next(s for s in server.get("/api/scenes") if s["name"] == "Evening")
    assert kinds["SceneStartedEvent"] == {"id": scene["id"]}
    assert kinds["ActiveProfileChangedEvent"]["newActiveProfile"] == 2
    assert server.get("/api/profiles")["activeProfile"] == 2
    assert kinds["AlarmPartitionArmedEvent"] == {"partitionId": 1, "armed": True}
    assert server.get("/api/alarms/v1/partitions/1")["armed"] is True
    assert seen["before"] == "disarmed" and seen["after"] == "armed"
    assert seen["home"] == "armed" and seen["breached"] is False
    assert seen["alert"] is True and seen["simplePush"] is True
    no_errors(server, qa)


def test_call_group_action(server: QAServer) -> None:
    qa = IDS["globals"]
    seen = wait_for(lambda: (r := report(server, qa)).get("after") and r, 10, "fire's report")
    assert seen.get("group") == [200]
    server.wait_prop(200, "value", False, timeout=2)


# ------------------------------------------------------------------------- 4. api.*


def test_api_status_codes(server: QAServer) -> None:
    seen = report(server, IDS["api"])
    assert seen["getStatus"] == 200 and seen["getName"] == "Api D"
    assert seen["notFound"] == 404 and seen["noSuchPath"] == 404
    assert seen["postStatus"] in (200, 201) and seen["putStatus"] == 200
    assert seen["afterPut"] == "2"
    assert seen["deleteStatus"] in (200, 204) and seen["deleteAgain"] == 404
    assert seen["putMissing"] == 404
    assert server.get("/api/globalVariables/FromApi")["value"] == "2"
    assert server.client.get("/api/globalVariables/Doomed").status_code == 404
    no_errors(server, IDS["api"])


# ------------------------------------------------------------------------- 5. plugin.*


def test_plugin_functions_and_restart(server: QAServer) -> None:
    qa = IDS["plugin"]
    seen = report(server, qa)
    assert seen["mainDeviceId"] == qa and seen["name"] == "Plugin E" and seen["lamp"] is True
    assert seen["deleteStatus"] == 200 and seen["children"] == ["Plug kid"]
    children = server.get("/api/devices", params={"parentId": qa})
    assert [c["id"] for c in children] == [seen["created"]]
    assert server.client.get(f"/api/devices/{seen['extra']}").status_code == 404
    assert server.prop(qa, "runs") == 1
    pid = server.workers()[qa]["pid"]
    server.client.post(f"/api/devices/{qa}/action/restartMe", json={"args": []})
    wait_for(
        lambda: (w := server.workers()[qa])["pid"] not in (None, pid) and w["state"] == "running",
        10,
        "a new pid",
    )
    server.wait_prop(qa, "runs", 2)
    assert report(server, qa)["children"] == ["Plug kid"]  # the child survives the restart
    no_errors(server, qa)


# ------------------------------------------------------------------------- 6. net


def test_http_client_and_tcp_socket(server: QAServer) -> None:
    qa = IDS["net"]
    http = report(server, qa, "http")
    assert http["status"] == 200 and http["server"] == "test"
    echoed = json.loads(http["data"])
    assert echoed == {"method": "POST", "path": "/echo?x=1", "x-test": "plua2",
                      "body": '{"a":1}'}  # fmt: skip
    wait_for(lambda: server.prop(qa, "http404") is not None, 10, "the 404 reply")
    assert server.prop(qa, "http404") == 404
    wait_for(lambda: server.prop(qa, "tcp") is not None, 10, "the TCP echo")
    assert server.prop(qa, "tcp").rstrip("\n") == "ping from F"
    no_errors(server, qa)


# ------------------------------------------------------------------------- 7. timers


def test_timers(server: QAServer) -> None:
    qa = IDS["timers"]
    server.wait_prop(qa, "ticks", 5)
    server.wait_prop(qa, "timeout", "fired")
    server.wait_prop(qa, "fibaroTimeout", "fired")
    server.wait_prop(qa, "handled", "yes")
    time.sleep(0.3)
    assert server.prop(qa, "ticks") == 5  # clearInterval stopped it
    assert server.prop(qa, "cancelled") is None  # clearTimeout, fibaro.clearTimeout
    started = time.monotonic()
    server.client.post(f"/api/devices/{qa}/action/sleepy", json={"args": [400]})
    server.wait_prop(qa, "order", "slept,timer")  # the timer waited for the sleep to end
    assert time.monotonic() - started >= 0.35
    no_errors(server, qa)


# ------------------------------------------------------------------------- 8. json


def test_json_round_trip(server: QAServer) -> None:
    qa = IDS["json"]
    encoded = wait_for(lambda: server.prop(qa, "log"), 10, "the encoded value")
    assert json.loads(encoded) == {
        "name": "h", "list": [1, 2, 3], "nested": {"flag": True, "f": 1.5, "n": -7},
        "empty": [], "text": 'quote " backslash \\ é \n end',
    }  # fmt: skip
    assert server.prop(qa, "roundTrip") is True
    assert json.loads(server.prop(qa, "decoded")) == {"a2": 2, "c": False, "d": "x"}
    no_errors(server, qa)


def test_no_worker_crashed_and_no_warnings(server: QAServer) -> None:
    workers = server.workers()
    assert all(not workers[i]["crashed"] for i in IDS.values()), workers
    noise = [(m["tag"], m["type"], m["message"]) for m in server.console()
             if m["type"] in ("warning", "error")]  # fmt: skip
    assert noise == []
