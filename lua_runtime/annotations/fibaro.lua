---@meta
-- plua2 annotations: `api`, `fibaro` (alias `hub`), `plugin`, `string.split` / `string.starts` and
-- the HC3's internal helpers (lua_runtime/fibaro.lua). Every call is synchronous: it blocks this
-- QuickApp only.

---A device as the HC3 REST API returns it (GET /api/devices/{id}).
---@class DeviceDto
---@field id integer
---@field name string
---@field type string e.g. "com.fibaro.binarySwitch"
---@field baseType? string
---@field roomID integer
---@field parentId integer
---@field enabled boolean
---@field visible boolean
---@field isPlugin? boolean
---@field interfaces string[]
---@field properties table<string, any>
---@field actions? table<string, integer>
---@field created? integer
---@field modified? integer
---@field sortOrder? integer

---A filter for fibaro.getDevicesID: any device field (`type`, `roomID`, `parentId`, `name`,
---`enabled`, `visible`, `isPlugin`, ...) plus `properties` and `interfaces`.
---@class DeviceFilter
---@field type? string
---@field roomID? integer
---@field parentId? integer
---@field name? string
---@field enabled? boolean
---@field visible? boolean
---@field isPlugin? boolean
---@field properties? table<string, any> property name -> value ("nil": the property exists)
---@field interfaces? string[]

---An alarm partition (GET /api/alarms/v1/partitions).
---@class AlarmPartition
---@field id integer
---@field name? string
---@field armed boolean
---@field breached? boolean
---@field devices? integer[]

---@alias ArmState "armed"|"disarmed"|"partially_armed"

---------------------------------------------------------------- api

---The HC3 REST API from inside a QuickApp. Paths are relative to /api; each call returns
---`data, status` (an HTTP error status is a return value, not an error).
---@class api
api = {}

---GET /api{path}.
---@param path string e.g. "/devices/5000"
---@return any data
---@return integer status
function api.get(path) end

---POST /api{path} with a JSON body.
---@param path string
---@param body? any
---@return any data
---@return integer status
function api.post(path, body) end

---PUT /api{path} with a JSON body.
---@param path string
---@param body? any
---@return any data
---@return integer status
function api.put(path, body) end

---DELETE /api{path}.
---@param path string
---@param body? any
---@return any data
---@return integer status
function api.delete(path, body) end

---------------------------------------------------------------- fibaro

---The HC3's `fibaro` library (also reachable as `hub`).
---@class fibaro
fibaro = {}

---The same table as `fibaro`.
hub = fibaro

---Logs to the console (debugMessages) at level DEBUG; the arguments are joined with a space.
---@param tag string usually __TAG
---@param ... any
function fibaro.debug(tag, ...) end

---Logs at level TRACE.
---@param tag string
---@param ... any
function fibaro.trace(tag, ...) end

---Logs at level WARNING.
---@param tag string
---@param ... any
function fibaro.warning(tag, ...) end

---Logs at level ERROR.
---@param tag string
---@param ... any
function fibaro.error(tag, ...) end

---Calls an action of a device (or of each device of a list): POST /devices/{id}/action/{action}.
---Fire-and-forget.
---@param deviceId integer|integer[]
---@param action string e.g. "turnOn", "setValue"
---@param ... any the action's arguments
function fibaro.call(deviceId, action, ...) end

---Calls an action on every device that matches a filter: POST /devices/groupAction/{action}.
---@param actionName string
---@param actionData table the filter and arguments, e.g. `{args = {1}, filters = {...}}`
---@return integer[]? devices the ids acted on (nil on failure)
function fibaro.callGroupAction(actionName, actionData) end

---A device property and the time it last changed; nil when the device or property is missing.
---@param deviceId integer
---@param prop string e.g. "value"
---@return any value
---@return integer? modified epoch seconds
function fibaro.get(deviceId, prop) end

---A device property's value (nil when missing).
---@param deviceId integer
---@param prop string
---@return any value
function fibaro.getValue(deviceId, prop) end

---A device's type, e.g. "com.fibaro.binarySwitch" (nil when it does not exist).
---@param deviceId integer
---@return string? type
function fibaro.getType(deviceId) end

---A device's name (nil when it does not exist).
---@param deviceId integer
---@return string? name
function fibaro.getName(deviceId) end

---The id of a device's room.
---@param deviceId integer
---@return integer? roomId
function fibaro.getRoomID(deviceId) end

---The id of the section of a device's room.
---@param deviceId integer
---@return integer? sectionId
function fibaro.getSectionID(deviceId) end

---A room's name.
---@param roomId integer
---@return string? name
function fibaro.getRoomName(roomId) end

---The name of a device's room.
---@param deviceId integer
---@return string? name
function fibaro.getRoomNameByDeviceID(deviceId) end

---The ids (greater than 3) of a list of devices.
---@param devices DeviceDto[]
---@return integer[] ids
function fibaro.getIds(devices) end

---The ids of the devices that match a filter (every device without one).
---@param filter? DeviceFilter
---@return integer[] ids
function fibaro.getDevicesID(filter) end

---A global variable's value and the time it last changed (nil when it does not exist).
---@param name string
---@return string? value
---@return integer? modified
function fibaro.getGlobalVariable(name) end

---Sets a global variable (the value is stored as a string).
---@param name string
---@param value any
---@return any data
---@return integer status
function fibaro.setGlobalVariable(name, value) end

---Emits a custom event: POST /customEvents/{name}.
---@param name string
---@return any data
---@return integer status
function fibaro.emitCustomEvent(name) end

---Executes or kills scenes.
---@param action "execute"|"kill"
---@param ids integer[]
function fibaro.scene(action, ids) end

---Activates a user profile.
---@param action "activeProfile"
---@param id integer the profile id
---@return any data
---@return integer status
function fibaro.profile(action, id) end

---Arms or disarms one alarm partition (`fibaro.alarm(1, "arm")`) or all of them
---(`fibaro.alarm("arm")`).
---@param partitionOrAction integer|"arm"|"disarm"
---@param action? "arm"|"disarm"
function fibaro.alarm(partitionOrAction, action) end

---Every alarm partition.
---@return AlarmPartition[]? partitions
function fibaro.getPartitions() end

---True when any partition is breached.
---@return boolean
function fibaro.isHomeBreached() end

---True when the partition is breached.
---@param partitionId integer
---@return boolean
function fibaro.isPartitionBreached(partitionId) end

---"armed" or "disarmed" (nil when the partition does not exist).
---@param partitionId integer
---@return "armed"|"disarmed"|nil state
function fibaro.getPartitionArmState(partitionId) end

---The arm state of the whole home.
---@return ArmState state
function fibaro.getHomeArmState() end

---Sends a notification to users (email, push) through their mobile devices.
---@param alertType "email"|"push"|"simplePush"
---@param ids integer[] user ids
---@param notification string the text
function fibaro.alert(alertType, ids, notification) end

---Asks the z-wave controller to wake a dead device.
---@param deviceId integer
function fibaro.wakeUpDeadDevice(deviceId) end

---Blocks this QuickApp for `ms` milliseconds (no other callback of it runs meanwhile).
---@param ms number
function fibaro.sleep(ms) end

---Makes fibaro.call asynchronous (true, the default) or not; returns the new setting.
---@param value boolean
---@return boolean
function fibaro.useAsyncHandler(value) end

---setTimeout with the HC3's argument order; `errorHandler` gets the error of `action`.
---@param timeout number milliseconds
---@param action function
---@param errorHandler? fun(err: any)
---@return integer ref
function fibaro.setTimeout(timeout, action, errorHandler) end

---Cancels a timer made by fibaro.setTimeout.
---@param ref integer
function fibaro.clearTimeout(ref) end

---A scene variable (scenes only: nil in a QuickApp).
---@param name string
---@return any
function fibaro.getSceneVariable(name) end

---Sets a scene variable (scenes only: does nothing in a QuickApp).
---@param name string
---@param value any
function fibaro.setSceneVariable(name, value) end

---------------------------------------------------------------- plugin

---The QuickApp's own plugin helpers.
---@class plugin
---@field mainDeviceId integer the id of this QuickApp's device
plugin = {}

---GET /devices/{id}.
---@param deviceId integer
---@return DeviceDto? device
function plugin.getDevice(deviceId) end

---A device property's value.
---@param deviceId integer
---@param propertyName string
---@return any value
function plugin.getProperty(deviceId, propertyName) end

---The children of a device (this QuickApp's by default).
---@param deviceId? integer
---@return DeviceDto[]? children
function plugin.getChildDevices(deviceId) end

---Creates a child device (prefer QuickApp:createChildDevice, which also makes the object).
---@param props ChildDeviceOptions
---@return DeviceDto? device
function plugin.createChildDevice(props) end

---Deletes a device.
---@param deviceId integer
---@return any data
---@return integer status
function plugin.deleteDevice(deviceId) end

---Restarts a QuickApp (this one by default).
---@param deviceId? integer
---@return any data
---@return integer status
function plugin.restart(deviceId) end

---------------------------------------------------------------- device type hierarchy

---@class DeviceHierarchy
local DeviceHierarchy = {}

---True when type `t1` is `t2` or derives from it, e.g.
---`isTypeOf("com.fibaro.doorSensor", "com.fibaro.binarySensor")`.
---@param t1 string a device type
---@param t2 string the ancestor type
---@return boolean
function DeviceHierarchy:isTypeOf(t1, t2) end

---The HC3's device type hierarchy (GET /devices/hierarchy).
---@return DeviceHierarchy
function getHierarchy() end

---------------------------------------------------------------- string helpers

---Splits `s` on any of the characters of `sep` (default a space); empty fields are dropped.
---@param s string
---@param sep? string
---@return string[] fields
function string.split(s, sep) end

---True when `s` starts with `start`.
---@param s string
---@param start string
---@return boolean
function string.starts(s, start) end

---------------------------------------------------------------- the HC3's internal helpers

---`c and t or f` that also works when `t` is false or nil.
---@param c any
---@param t any
---@param f any
---@return any
function __ternary(c, t, f) end

---Raises "Wrong parameter type, ..." unless `type(param) == typ`.
---@param param any
---@param typ string a Lua type name: "number", "string", "table", ...
function __assert_type(param, typ) end

---@return DeviceDto[]?
function __fibaro_get_devices() end

---@param deviceId integer
---@return DeviceDto?
function __fibaro_get_device(deviceId) end

---@param deviceId integer
---@param propertyName string
---@return {value: any, modified: integer}?
function __fibaro_get_device_property(deviceId, propertyName) end

---@param typ string
---@return DeviceDto[]?
function __fibaro_get_devices_by_type(typ) end

---@param name string
---@return {name: string, value: string, modified: integer}?
function __fibaro_get_global_variable(name) end

---@param roomId integer
---@return table?
function __fibaro_get_room(roomId) end

---@param sceneId integer
---@return table?
function __fibaro_get_scene(sceneId) end

---@param id integer
---@return AlarmPartition?
function __fibaro_get_partition(id) end

---@return AlarmPartition[]?
function __fibaro_get_partitions() end

---@return integer[]?
function __fibaro_get_breached_partitions() end

---@param ms number
function __fibaroSleep(ms) end

---@param value boolean
---@return boolean
function __fibaroUseAsyncHandler(value) end

---@param tag string
---@param message string
---@param typ "DEBUG"|"TRACE"|"WARNING"|"ERROR"
function __fibaro_add_debug_message(tag, message, typ) end
