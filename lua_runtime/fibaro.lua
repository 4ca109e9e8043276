--[[ fibaro.lua: `api`, `fibaro` (alias `hub`), `plugin`, `string.split` / `string.starts`.

Theory of operation
  Everything that talks to the HC3 goes through `api.get/post/put/delete(path[, body])`, which is
  one blocking host call: `_PY.call("api", {method, path[, body]})` answered by the supervisor with
  the array `{status, data}` (what plua2 up sends) or the map `{status = n, data = ...}`. `path` is relative
  to /api as on the HC3 (`api.get("/devices/5000")`); `body` is a Lua value that crosses the wire as
  it is (the supervisor encodes it). Each call returns `data, status`, as on the HC3: an HTTP error
  status is a return value, not a Lua error; a failure of the call itself (no supervisor, timeout)
  is a Lua error.

  The `fibaro.*` functions follow the HC3's own Lua implementation: the same REST paths and bodies,
  the same argument checks (`__assert_type`) and error texts, `nil` when a device, room or variable
  does not exist. Logging is `_PY.log(level, text, tag)`, the arguments joined with a space.
]]
local internal = ...
local py_call, py_log, py_sleep = internal.exports.call, internal.exports.log, internal.exports.sleep
local type, tostring, error, pairs, ipairs, select, next, pcall =
  type, tostring, error, pairs, ipairs, select, next, pcall
local format, concat, sort = string.format, table.concat, table.sort

---------------------------------------------------------------- api

local function request(method, path, body)
  if type(path) ~= "string" then
    error(format("api.%s: the path must be a string, got %s", method:lower(), type(path)), 3)
  end
  local params = { method, path }
  if body ~= nil then
    params[3] = body
  end
  local result = py_call("api", params)
  if type(result) ~= "table" then
    return nil, 500
  end
  local status = result.status
  if status == nil then
    return result[2], result[1]
  end
  return result.data, status
end

api = {
  get = function(path)
    return request("GET", path)
  end,
  post = function(path, body)
    return request("POST", path, body)
  end,
  put = function(path, body)
    return request("PUT", path, body)
  end,
  delete = function(path, body)
    return request("DELETE", path, body)
  end,
}

local function ok(status)
  return type(status) == "number" and status >= 200 and status < 300
end

-- data when the status is 2xx, else nil (the HC3's internal getters return nil for "not found")
local function get_ok(path)
  local data, status = api.get(path)
  if ok(status) then
    return data
  end
  return nil
end

---------------------------------------------------------------- HC3 internal helpers

function __ternary(c, t, f)
  if c then
    return t
  end
  return f
end

function __assert_type(param, typ)
  if type(param) ~= typ then
    error(
      format(
        "Wrong parameter type, %s required. Provided param '%s' is type of %s",
        typ,
        tostring(param),
        type(param)
      ),
      3
    )
  end
end
local assert_type = __assert_type

function __fibaro_get_devices()
  return get_ok("/devices")
end

function __fibaro_get_device(deviceId)
  return get_ok("/devices/" .. tostring(deviceId))
end

function __fibaro_get_device_property(deviceId, propertyName)
  return get_ok("/devices/" .. tostring(deviceId) .. "/properties/" .. tostring(propertyName))
end

function __fibaro_get_devices_by_type(typ)
  return get_ok("/devices?type=" .. tostring(typ))
end

function __fibaro_get_global_variable(name)
  return get_ok("/globalVariables/" .. tostring(name))
end

function __fibaro_get_room(roomId)
  return get_ok("/rooms/" .. tostring(roomId))
end

function __fibaro_get_scene(sceneId)
  return get_ok("/scenes/" .. tostring(sceneId))
end

function __fibaro_get_partition(id)
  return get_ok("/alarms/v1/partitions/" .. tostring(id))
end

function __fibaro_get_partitions()
  return get_ok("/alarms/v1/partitions")
end

function __fibaro_get_breached_partitions()
  return get_ok("/alarms/v1/partitions/breached")
end

function __fibaroSleep(ms)
  py_sleep(ms)
end

local async_handler = true
function __fibaroUseAsyncHandler(value)
  async_handler = value and true or false
  return async_handler
end

local LEVELS = { DEBUG = "debug", TRACE = "trace", WARNING = "warning", ERROR = "error" }

function __fibaro_add_debug_message(tag, message, typ)
  py_log(LEVELS[typ] or "debug", tostring(message), tostring(tag))
end

---------------------------------------------------------------- fibaro

fibaro = {}
hub = fibaro

local function join(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do
    parts[i] = tostring((select(i, ...)))
  end
  return concat(parts, " ")
end
internal.join_log_arguments = join

local function logger(level)
  return function(tag, ...)
    assert_type(tag, "string")
    py_log(level, join(...), tag)
  end
end

fibaro.debug = logger("debug")
fibaro.trace = logger("trace")
fibaro.warning = logger("warning")
fibaro.error = logger("error")

function fibaro.call(deviceId, action, ...)
  assert_type(action, "string")
  if type(deviceId) == "table" then
    for _, id in pairs(deviceId) do
      assert_type(id, "number")
    end
    for _, id in pairs(deviceId) do
      fibaro.call(id, action, ...)
    end
    return
  end
  assert_type(deviceId, "number")
  api.post(format("/devices/%d/action/%s", deviceId, action), { args = { ... } })
end

function fibaro.callGroupAction(actionName, actionData)
  assert_type(actionName, "string")
  assert_type(actionData, "table")
  local response, status = api.post("/devices/groupAction/" .. actionName, actionData)
  if status ~= 202 then
    return nil
  end
  return response and response.devices
end

function fibaro.get(deviceId, prop)
  assert_type(deviceId, "number")
  assert_type(prop, "string")
  local property = __fibaro_get_device_property(deviceId, prop)
  if property == nil then
    return nil
  end
  return property.value, property.modified
end

function fibaro.getValue(deviceId, prop)
  assert_type(deviceId, "number")
  assert_type(prop, "string")
  return (fibaro.get(deviceId, prop))
end

local function device_field(deviceId, field)
  assert_type(deviceId, "number")
  local device = __fibaro_get_device(deviceId)
  if device == nil then
    return nil
  end
  return device[field]
end

function fibaro.getType(deviceId)
  return device_field(deviceId, "type")
end

function fibaro.getName(deviceId)
  return device_field(deviceId, "name")
end

function fibaro.getRoomID(deviceId)
  return device_field(deviceId, "roomID")
end

function fibaro.getSectionID(deviceId)
  local roomId = device_field(deviceId, "roomID")
  if roomId == nil then
    return nil
  end
  local room = __fibaro_get_room(roomId)
  return room and room.sectionID
end

function fibaro.getRoomName(roomId)
  assert_type(roomId, "number")
  local room = __fibaro_get_room(roomId)
  return room and room.name
end

function fibaro.getRoomNameByDeviceID(deviceId)
  local roomId = device_field(deviceId, "roomID")
  if roomId == nil then
    return nil
  end
  local room = __fibaro_get_room(roomId)
  return room and room.name
end

function fibaro.getIds(devices)
  local ids = {}
  for _, d in pairs(devices or {}) do
    if type(d) == "table" and type(d.id) == "number" and d.id > 3 then
      ids[#ids + 1] = d.id
    end
  end
  return ids
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do
    keys[#keys + 1] = k
  end
  sort(keys, function(a, b)
    return tostring(a) < tostring(b)
  end)
  return keys
end

function fibaro.getDevicesID(filter)
  if type(filter) ~= "table" or next(filter) == nil then
    return fibaro.getIds(__fibaro_get_devices())
  end
  local args = {}
  for _, key in ipairs(sorted_keys(filter)) do
    local value = filter[key]
    if key == "properties" and type(value) == "table" then
      for _, name in ipairs(sorted_keys(value)) do
        local v = value[name]
        if v == "nil" then
          args[#args + 1] = "property=" .. tostring(name)
        else
          args[#args + 1] = format("property=[%s,%s]", tostring(name), tostring(v))
        end
      end
    elseif key == "interfaces" and type(value) == "table" then
      for _, interface in ipairs(value) do
        args[#args + 1] = "interface=" .. tostring(interface)
      end
    else
      args[#args + 1] = tostring(key) .. "=" .. tostring(value)
    end
  end
  return fibaro.getIds(get_ok("/devices/?" .. concat(args, "&")))
end

function fibaro.getGlobalVariable(name)
  assert_type(name, "string")
  local variable = __fibaro_get_global_variable(name)
  if variable == nil then
    return nil
  end
  return variable.value, variable.modified
end

function fibaro.setGlobalVariable(name, value)
  assert_type(name, "string")
  return api.put("/globalVariables/" .. name, { value = tostring(value), invokeScenes = true })
end

function fibaro.emitCustomEvent(name)
  assert_type(name, "string")
  return api.post("/customEvents/" .. name)
end

function fibaro.scene(action, ids)
  assert_type(action, "string")
  assert_type(ids, "table")
  if action ~= "execute" and action ~= "kill" then
    error(format("Wrong parameter: %s. Available actions: execute, kill", action), 2)
  end
  for _, id in ipairs(ids) do
    assert_type(id, "number")
  end
  for _, id in ipairs(ids) do
    api.post(format("/scenes/%d/%s", id, action))
  end
end

function fibaro.profile(action, id)
  assert_type(action, "string")
  assert_type(id, "number")
  if action ~= "activeProfile" then
    error(format("Wrong parameter: %s. Available actions: activeProfile", action), 2)
  end
  return api.post(format("/profiles/activeProfile/%d", id))
end

---------------------------------------------------------------- alarms

local function arm(url, action)
  if action == "arm" then
    return api.post(url)
  elseif action == "disarm" then
    return api.delete(url)
  end
  error(format("Wrong parameter: %s. Available parameters: arm, disarm", tostring(action)), 3)
end

function fibaro.alarm(partitionOrAction, action)
  if type(partitionOrAction) == "string" then
    arm("/alarms/v1/partitions/actions/arm", partitionOrAction)
    return
  end
  assert_type(partitionOrAction, "number")
  assert_type(action, "string")
  arm(format("/alarms/v1/partitions/%d/actions/arm", partitionOrAction), action)
end

function fibaro.getPartitions()
  return __fibaro_get_partitions()
end

function fibaro.isHomeBreached()
  local ids = __fibaro_get_breached_partitions()
  return type(ids) == "table" and next(ids) ~= nil
end

function fibaro.isPartitionBreached(partitionId)
  assert_type(partitionId, "number")
  for _, id in pairs(__fibaro_get_breached_partitions() or {}) do
    if id == partitionId then
      return true
    end
  end
  return false
end

function fibaro.getPartitionArmState(partitionId)
  assert_type(partitionId, "number")
  local partition = __fibaro_get_partition(partitionId)
  if partition == nil then
    return nil
  end
  return partition.armed and "armed" or "disarmed"
end

function fibaro.getHomeArmState()
  local n, armed = 0, 0
  for _, partition in pairs(__fibaro_get_partitions() or {}) do
    n = n + 1
    if partition.armed then
      armed = armed + 1
    end
  end
  if armed == 0 then
    return "disarmed"
  elseif armed == n then
    return "armed"
  end
  return "partially_armed"
end

---------------------------------------------------------------- notifications, timers, misc

local ALERT_ACTIONS = {
  email = "sendGlobalEmailNotifications",
  push = "sendGlobalPushNotifications",
  simplePush = "sendGlobalPushNotifications",
}

function fibaro.alert(alertType, ids, notification)
  assert_type(alertType, "string")
  assert_type(ids, "table")
  assert_type(notification, "string")
  local action = ALERT_ACTIONS[alertType]
  if action == nil then
    error(format("Wrong parameter: '%s'. Available parameters: email, push, simplePush", alertType), 2)
  end
  for _, id in ipairs(ids) do
    assert_type(id, "number")
  end
  if alertType == "push" then -- user ids -> the mobile devices they last logged in on
    local mobiles = __fibaro_get_devices_by_type("iOS_device") or {}
    local users = ids
    ids = {}
    for _, user in ipairs(users) do
      for _, mobile in ipairs(mobiles) do
        if type(mobile.properties) == "table" and mobile.properties.lastLoggedUser == user then
          ids[#ids + 1] = mobile.id
        end
      end
    end
  end
  for _, id in ipairs(ids) do
    fibaro.call(id, action, notification, "false")
  end
end

function fibaro.wakeUpDeadDevice(deviceId)
  assert_type(deviceId, "number")
  fibaro.call(1, "wakeUpDeadDevice", deviceId)
end

function fibaro.sleep(ms)
  assert_type(ms, "number")
  __fibaroSleep(ms)
end

function fibaro.useAsyncHandler(value)
  assert_type(value, "boolean")
  return __fibaroUseAsyncHandler(value)
end

function fibaro.setTimeout(timeout, action, errorHandler)
  assert_type(timeout, "number")
  assert_type(action, "function")
  local fn = action
  if errorHandler ~= nil then
    fn = function()
      local success, err = pcall(action)
      if not success then
        errorHandler(err)
      end
    end
  end
  return setTimeout(fn, timeout)
end

function fibaro.clearTimeout(ref)
  assert_type(ref, "number")
  clearTimeout(ref)
end

-- scene-only functions: a QuickApp has no scene variables
function fibaro.getSceneVariable(name)
  assert_type(name, "string")
  return nil
end

function fibaro.setSceneVariable(name, _value)
  assert_type(name, "string")
end

---------------------------------------------------------------- plugin

plugin = { mainDeviceId = nil }

function plugin.getDevice(deviceId)
  return (api.get("/devices/" .. tostring(deviceId)))
end

function plugin.getProperty(deviceId, propertyName)
  local property = __fibaro_get_device_property(deviceId, propertyName)
  return property and property.value
end

function plugin.getChildDevices(deviceId)
  return (api.get("/devices?parentId=" .. tostring(deviceId or plugin.mainDeviceId)))
end

function plugin.createChildDevice(props)
  return (api.post("/plugins/createChildDevice", props))
end

function plugin.deleteDevice(deviceId)
  return api.delete("/devices/" .. tostring(deviceId))
end

function plugin.restart(deviceId)
  return api.post("/plugins/restart", { deviceId = deviceId or plugin.mainDeviceId })
end

---------------------------------------------------------------- device type hierarchy

local hierarchy = nil
function getHierarchy()
  if hierarchy == nil then
    local tree = get_ok("/devices/hierarchy")
    local parents = {}
    local function walk(node)
      for _, child in ipairs(type(node) == "table" and node.children or {}) do
        parents[child.type] = node.type
        walk(child)
      end
    end
    walk(tree)
    local h = {}
    function h:isTypeOf(t1, t2)
      while t1 ~= nil do
        if t1 == t2 then
          return true
        end
        t1 = parents[t1]
      end
      return false
    end
    hierarchy = tree and h or nil
    return h
  end
  return hierarchy
end

---------------------------------------------------------------- string helpers

function string.split(s, sep)
  local fields = {}
  local pattern = format("([^%s]+)", sep or " ")
  s:gsub(pattern, function(c)
    fields[#fields + 1] = c
  end)
  return fields
end

function string.starts(s, start)
  return s:sub(1, #start) == start
end

