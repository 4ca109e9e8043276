--[[ quickapp.lua: QuickAppBase, QuickApp, QuickAppChild, onAction / onUIEvent, and the start-up.

Theory of operation
  The classes follow the HC3's own QuickApp Lua code: every method that changes the HC3 is one
  `api.*` call (fibaro.lua), the REST mapping of REFERENCE.md section 5; the object keeps a local copy
  (`self.properties`, `self.interfaces`, `self.childDevices`) in step with what it sent.

  Start-up, driven by the worker (worker/quickapp.py) when the Load options carry `quickapp`:
    1. `internal.quickapp_prepare(id)`: `__TAG = "QUICKAPP"..id`, `plugin.mainDeviceId = id`,
       `print` becomes `fibaro.debug(__TAG, ...)`, and the request handlers "action" and "uiEvent"
       are registered. This runs before any user file, so user code may still change `__TAG`.
    2. the QuickApp's files, then its main file (by the worker).
    3. `internal.quickapp_start(device, children)`: if `QuickApp.onInit` exists,
       `quickApp = QuickApp(device)`: `QuickApp:__init` sets the fields, calls `self:onInit()`, then
       `self:initChildDevices()` unless onInit did. `children` (the DeviceDtos the supervisor sent) is
       what the first `initChildDevices` uses instead of GET /devices?parentId=.

  Dispatch: the "action" notification [deviceId, actionName, args] calls the global `onAction(id,
  {deviceId, actionName, args})`, the "uiEvent" notification [event] calls the global
  `onUIEvent(id, event)`; both are looked up at call time, so a QuickApp may replace them. As on the
  HC3, `quickApp:actionHandler` / `quickApp:UIHandler`, when defined, take every action / UI event.
  An error raised in a method reaches the worker, which reports it with its traceback and goes on.
]]
local internal = ...
local set_request_handler = internal.exports.setRequestHandler
local type, tostring, error, pairs, ipairs = type, tostring, error, pairs, ipairs
local format, pack, unpack = string.format, table.pack, table.unpack
local assert_type = __assert_type

local function ok(status)
  return type(status) == "number" and status >= 200 and status < 300
end

local initial_children = nil -- the supervisor's snapshot, for the first initChildDevices

---------------------------------------------------------------- QuickAppBase

class("QuickAppBase")

function QuickAppBase:__init(device)
  assert_type(device, "table")
  self.id = device.id
  self.name = device.name
  self.type = device.type
  self.enabled = device.enabled
  self.visible = device.visible
  self.roomID = device.roomID
  self.parentId = device.parentId
  self.properties = type(device.properties) == "table" and device.properties or {}
  self.interfaces = type(device.interfaces) == "table" and device.interfaces or {}
  self.uiCallbacks = {}
  self:setupUICallbacks()
end

function QuickAppBase:debug(...)
  fibaro.debug(__TAG, ...)
end

function QuickAppBase:trace(...)
  fibaro.trace(__TAG, ...)
end

function QuickAppBase:warning(...)
  fibaro.warning(__TAG, ...)
end

function QuickAppBase:error(...)
  fibaro.error(__TAG, ...)
end

function QuickAppBase:updateProperty(name, value)
  assert_type(name, "string")
  self.properties[name] = value
  api.post("/plugins/updateProperty", { deviceId = self.id, propertyName = name, value = value })
end

function QuickAppBase:updateView(componentName, propertyName, newValue)
  assert_type(componentName, "string")
  assert_type(propertyName, "string")
  api.post("/plugins/updateView", {
    deviceId = self.id,
    componentName = componentName,
    propertyName = propertyName,
    newValue = newValue,
  })
end

function QuickAppBase:getVariable(name)
  assert_type(name, "string")
  for _, v in ipairs(self.properties.quickAppVariables or {}) do
    if v.name == name then
      return v.value
    end
  end
  return ""
end

function QuickAppBase:setVariable(name, value)
  assert_type(name, "string")
  local variables = self.properties.quickAppVariables or {}
  local found = false
  for _, v in ipairs(variables) do
    if v.name == name then
      v.value = value
      found = true
      break
    end
  end
  if not found then
    variables[#variables + 1] = { name = name, value = value }
  end
  self:updateProperty("quickAppVariables", variables)
end

function QuickAppBase:internalStorageSet(key, value, hidden)
  assert_type(key, "string")
  local data = { name = key, value = value, isHidden = hidden and true or false }
  local _, status = api.put(format("/plugins/%s/variables/%s", self.id, key), data)
  if not ok(status) then
    _, status = api.post(format("/plugins/%s/variables", self.id), data)
  end
  return status
end

function QuickAppBase:internalStorageGet(key)
  if key == nil then
    local variables, status = api.get(format("/plugins/%s/variables", self.id))
    if not ok(status) then
      return nil
    end
    local values = {}
    for _, v in pairs(variables or {}) do
      values[v.name] = v.value
    end
    return values
  end
  assert_type(key, "string")
  local variable, status = api.get(format("/plugins/%s/variables/%s", self.id, key))
  if not ok(status) or type(variable) ~= "table" then
    return nil
  end
  return variable.value
end

function QuickAppBase:internalStorageRemove(key)
  assert_type(key, "string")
  return api.delete(format("/plugins/%s/variables/%s", self.id, key))
end

function QuickAppBase:internalStorageClear()
  return api.delete(format("/plugins/%s/variables", self.id))
end

function QuickAppBase:setName(name)
  assert_type(name, "string")
  api.put("/devices/" .. self.id, { name = name })
  self.name = name
end

function QuickAppBase:setEnabled(enabled)
  assert_type(enabled, "boolean")
  api.put("/devices/" .. self.id, { enabled = enabled })
  self.enabled = enabled
end

function QuickAppBase:setVisible(visible)
  assert_type(visible, "boolean")
  api.put("/devices/" .. self.id, { visible = visible })
  self.visible = visible
end

function QuickAppBase:hasInterface(name)
  for _, interface in ipairs(self.interfaces) do
    if interface == name then
      return true
    end
  end
  return false
end

function QuickAppBase:addInterfaces(interfaces)
  assert_type(interfaces, "table")
  api.post("/plugins/interfaces", { action = "add", deviceId = self.id, interfaces = interfaces })
  for _, interface in ipairs(interfaces) do
    if not self:hasInterface(interface) then
      self.interfaces[#self.interfaces + 1] = interface
    end
  end
end

function QuickAppBase:deleteInterfaces(interfaces)
  assert_type(interfaces, "table")
  api.post("/plugins/interfaces", { action = "delete", deviceId = self.id, interfaces = interfaces })
  for _, interface in ipairs(interfaces) do
    for i = #self.interfaces, 1, -1 do
      if self.interfaces[i] == interface then
        table.remove(self.interfaces, i)
      end
    end
  end
end

function QuickAppBase:isTypeOf(typ)
  assert_type(typ, "string")
  return getHierarchy():isTypeOf(self.type, typ)
end

function QuickAppBase:callAction(name, ...)
  local method = self[name]
  if type(method) == "function" then
    local results = pack(method(self, ...)) -- not a tail call: the traceback keeps this frame
    return unpack(results, 1, results.n)
  end
  self:warning(format("Class does not have '%s' function defined - action ignored", tostring(name)))
end

function QuickAppBase:registerUICallback(elementName, eventType, callback)
  local callbacks = self.uiCallbacks[elementName]
  if callbacks == nil then
    callbacks = {}
    self.uiCallbacks[elementName] = callbacks
  end
  callbacks[eventType] = callback
end

function QuickAppBase:setupUICallbacks()
  for _, entry in ipairs(self.properties.uiCallbacks or {}) do
    if type(entry) == "table" and entry.name ~= nil and entry.eventType ~= nil then
      self:registerUICallback(entry.name, entry.eventType, entry.callback)
    end
  end
end
QuickAppBase.registerUICallbacks = QuickAppBase.setupUICallbacks

function QuickAppBase:UIAction(eventType, elementName, arg)
  local values = arg ~= nil and { arg } or json.util.InitArray({})
  onUIEvent(self.id, {
    deviceId = self.id,
    eventType = eventType,
    elementName = elementName,
    values = values,
  })
end

---------------------------------------------------------------- QuickApp

class("QuickApp")(QuickAppBase)

function QuickApp:__init(device)
  QuickAppBase.__init(self, device)
  self.childDevices = {}
  if self.onInit then
    self:onInit()
  end
  if not self.childsInitialized then
    self:initChildDevices()
  end
end

function QuickApp:createChildDevice(options, childClass)
  assert_type(options, "table")
  assert_type(options.name, "string")
  assert_type(options.type, "string")
  options.parentId = self.id
  local interfaces = {}
  if options.initialInterfaces ~= nil then
    assert_type(options.initialInterfaces, "table")
    for _, interface in ipairs(options.initialInterfaces) do
      if interface ~= "quickAppChild" then
        interfaces[#interfaces + 1] = interface
      end
    end
  end
  interfaces[#interfaces + 1] = "quickAppChild"
  options.initialInterfaces = interfaces
  if options.initialProperties ~= nil then
    assert_type(options.initialProperties, "table")
  end
  local device, status = api.post("/plugins/createChildDevice", options)
  if not ok(status) or type(device) ~= "table" or device.id == nil then
    error(format("Can't create child device (status %s): %s", tostring(status), json.encode(device)), 2)
  end
  local child = (childClass or QuickAppChild)(device)
  child.parent = self
  self.childDevices[device.id] = child
  return child
end

function QuickApp:removeChildDevice(id)
  assert_type(id, "number")
  api.delete("/plugins/removeChildDevice/" .. id)
  self.childDevices[id] = nil
  if initial_children ~= nil then
    for i = #initial_children, 1, -1 do
      if initial_children[i].id == id then
        table.remove(initial_children, i)
      end
    end
  end
end

function QuickApp:initChildDevices(map)
  map = map or {}
  local children = initial_children
  initial_children = nil
  if children == nil then
    local data, status = api.get("/devices?parentId=" .. self.id)
    children = ok(status) and type(data) == "table" and data or {}
  end
  local childDevices = self.childDevices
  for _, device in ipairs(children) do
    if childDevices[device.id] == nil then
      local childClass = map[device.type]
      if childClass == nil then
        self:error(format(
          "Class for the child device: %s, with type: %s not found. Using base class: QuickAppChild",
          tostring(device.id),
          tostring(device.type)
        ))
        childClass = QuickAppChild
      end
      childDevices[device.id] = childClass(device)
    end
    childDevices[device.id].parent = self
  end
  self.childsInitialized = true
end

---------------------------------------------------------------- QuickAppChild

class("QuickAppChild")(QuickAppBase)

function QuickAppChild:__init(device)
  QuickAppBase.__init(self, device)
  if self.onInit then
    self:onInit()
  end
end

---------------------------------------------------------------- dispatch

function onAction(id, event)
  local qa = quickApp
  if qa == nil then
    fibaro.warning(__TAG, format("action %s for device %s: the QuickApp is not running", tostring(event.actionName), tostring(id)))
    return
  end
  if qa.actionHandler then
    return qa:actionHandler(event)
  end
  local args = event.args or {}
  local target = event.deviceId == qa.id and qa or qa.childDevices[event.deviceId]
  if target ~= nil then
    target:callAction(event.actionName, unpack(args, 1, args.n or #args))
    return
  end
  qa:error(format("Child with id:%s not found", tostring(id)))
end

function onUIEvent(id, event)
  local qa = quickApp
  if qa == nil then
    fibaro.warning(__TAG, format("UI event %s for device %s: the QuickApp is not running", tostring(event.elementName), tostring(id)))
    return
  end
  if qa.UIHandler then
    return qa:UIHandler(event)
  end
  local target = qa
  local deviceId = event.deviceId or id
  if deviceId ~= qa.id then
    target = qa.childDevices[deviceId]
    if target == nil then
      qa:error(format("Child with id:%s not found", tostring(deviceId)))
      return
    end
  end
  local elementName = event.elementName
  local callbacks = target.uiCallbacks[elementName]
  local callback = callbacks and callbacks[event.eventType]
  if type(callback) == "function" then
    return callback(target, event)
  end
  if callback == nil or callback == "" then
    -- an export without callback names (REFERENCE.md 4.1): the `<element>Clicked` convention
    local fallback = tostring(elementName) .. "Clicked"
    if type(target[fallback]) == "function" then
      callback = fallback
    end
  end
  if callback == nil or callback == "" then
    fibaro.warning(__TAG, format("UI callback for element:%s not found.", tostring(elementName)))
    return
  end
  target:callAction(callback, event)
end

---------------------------------------------------------------- start-up (called by the worker)

local function on_action_request(deviceId, actionName, args)
  if type(args) ~= "table" then
    args = {}
  end
  onAction(deviceId, { deviceId = deviceId, actionName = actionName, args = args })
end

local function on_ui_event_request(event)
  if type(event) ~= "table" then
    error("uiEvent: the parameter must be an event table", 0)
  end
  if event.values == nil then
    event.values = json.util.InitArray({})
  end
  onUIEvent(event.deviceId, event)
end

function internal.quickapp_prepare(id)
  __TAG = "QUICKAPP" .. tostring(id)
  plugin.mainDeviceId = id
  print = function(...)
    fibaro.debug(tostring(__TAG), ...)
  end
  set_request_handler("action", on_action_request)
  set_request_handler("uiEvent", on_ui_event_request)
end

function internal.quickapp_start(device, children)
  initial_children = children
  if type(QuickApp) == "table" and QuickApp.onInit then
    quickApp = QuickApp(device)
  end
end
