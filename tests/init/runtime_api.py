"""What the QuickApp runtime actually defines, listed from a live worker runtime (in-process).

`runtime_api(sandbox)` starts a QuickApp (tests/quickapp_lua's FakeHC3 behind it) in a real
`plua2.worker.runtime.Runtime`, so every library chunk and the QuickApp start-up have run, then
lists from inside Lua: the globals that standard Lua 5.3 does not have, the members of the API
tables (fibaro, api, plugin, json, json.util, net, mqtt...), the extra string functions, the
methods of the QuickApp classes, the fields of a running QuickApp and of a child, and the methods
of the net objects and of getHierarchy()'s object. Each entry is `path -> ApiEntry`:

    "fibaro.call"            a member of a table
    "QuickAppBase:debug"     a method of a class (or of a net object: "HTTPClient:request")
    "QuickApp.childDevices"  a field of a running object
    "setTimeout"             a global

In the "script" sandbox `debug.getinfo`/`debug.getlocal` are there, so functions come with their
parameter names (`params`) and whether they take `...` (`vararg`); the "quickapp" sandbox is the
exact set of globals a QuickApp sees.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "quickapp_lua"))

from plua2.worker.options import LoadOptions  # noqa: E402
from plua2.worker.runtime import Runtime  # noqa: E402
from qa_lua_helpers import FakeHC3, QuickAppHost, qa_device, quickapp_option  # noqa: E402

#: net object classes as the annotations name them -> the Lua that makes one
NET_OBJECTS = {
    "HTTPClient": "net.HTTPClient()",
    "TCPSocket": "net.TCPSocket()",
    "UDPSocket": "net.UDPSocket()",
    "WebSocketClient": "net.WebSocketClient()",
    "DeviceHierarchy": "getHierarchy()",
    "MqttClient": "mqtt.Client.connect('mqtt://127.0.0.1:9')",
}
API_TABLES = ("fibaro", "hub", "api", "plugin", "json", "json.util", "net", "mqtt", "mqtt.Client")

_LIST_API = r"""
local tables, objects = ...
local STD = {}
for name in ("_G _VERSION assert collectgarbage coroutine debug error getmetatable ipairs load "
  .. "loadfile dofile math next os package pairs pcall print rawequal rawget rawlen rawset require "
  .. "select setmetatable string table tonumber tostring type utf8 xpcall io"):gmatch("%S+") do
  STD[name] = true
end
local STRING = {}
for name in ("byte char dump find format gmatch gsub len lower match rep reverse sub upper pack "
  .. "packsize unpack"):gmatch("%S+") do
  STRING[name] = true
end
local getinfo, getlocal = debug.getinfo, debug.getlocal
local entries = {}
local function add(path, value)
  local entry = { kind = type(value) }
  if type(value) == "function" and getinfo and getlocal then
    local info = getinfo(value, "u")
    local params = {}
    for i = 1, info.nparams do
      params[i] = getlocal(value, i)
    end
    entry.params = json.util.InitArray(params)
    entry.vararg = info.isvararg
  end
  entries[path] = entry
end
for k, v in pairs(_G) do
  if type(k) == "string" and not STD[k] then add(k, v) end
end
for k, v in pairs(string) do
  if not STRING[k] then add("string." .. k, v) end
end
for _, name in ipairs(tables) do
  local t = load("return " .. name)()
  if type(t) == "table" then
    for k, v in pairs(t) do add(name .. "." .. tostring(k), v) end
  end
end
for _, cls in ipairs({ "QuickAppBase", "QuickApp", "QuickAppChild" }) do
  for k, v in pairs(_G[cls]) do
    if type(v) == "function" then add(cls .. ":" .. k, v) else add(cls .. "." .. k, v) end
  end
end
local child = quickApp:createChildDevice({ name = "child", type = "com.fibaro.binarySwitch" })
for k, v in pairs(quickApp) do add("QuickApp." .. k, v) end
for k, v in pairs(child) do add("QuickAppChild." .. k, v) end
local missing = {}
for cls, code in pairs(objects) do
  local ok, obj = pcall(load("return " .. code))
  if ok and obj ~= nil then
    local mt = getmetatable(obj)
    local methods = type(mt) == "table" and type(mt.__index) == "table" and mt.__index or obj
    for k, v in pairs(methods) do
      if type(v) == "function" then add(cls .. ":" .. k, v) end
    end
    if type(obj.close) == "function" then obj:close() end
    if type(obj.disconnect) == "function" then obj:disconnect() end
  else
    missing[#missing + 1] = cls .. ": " .. tostring(obj)
  end
end
entries["<missing>"] = { kind = table.concat(missing, "; ") }
return json.encode(entries)
"""


@dataclass(frozen=True)
class ApiEntry:
    kind: str  # the Lua type of the value
    params: tuple[str, ...] | None = None  # a function's parameter names ("script" sandbox)
    vararg: bool = False


def runtime_api(sandbox: str = "quickapp") -> dict[str, ApiEntry]:
    hc3 = FakeHC3()
    device = hc3.add(qa_device())
    host = QuickAppHost(hc3)
    options = LoadOptions.from_wire(
        {"sandbox": sandbox, "budget": 5.0, "quickapp": quickapp_option(device)}
    )
    runtime = Runtime(7, options, host)
    assert runtime.load("function QuickApp:onInit() end", "@main")
    lua = runtime.lua
    listing = lua.execute(
        _LIST_API.encode(),
        lua.table_from([name.encode() for name in API_TABLES]),
        lua.table_from({cls.encode(): code.encode() for cls, code in NET_OBJECTS.items()}),
    )
    raw = listing.decode() if isinstance(listing, bytes) else listing
    entries: dict[str, ApiEntry] = {}
    for path, entry in json.loads(raw).items():
        params = entry.get("params")
        entries[path] = ApiEntry(
            entry["kind"],
            tuple(p.decode() if isinstance(p, bytes) else p for p in params)
            if params is not None
            else None,
            bool(entry.get("vararg", False)),
        )
    return entries
