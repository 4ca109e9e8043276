---@meta
-- plua2 annotations: QuickAppBase, QuickApp, QuickAppChild, the dispatch hooks and the QuickApp
-- globals (lua_runtime/quickapp.lua).

---A quickAppVariable (`--%%var=name:value`, or the QuickApp's Variables tab on an HC3).
---@class QuickAppVariable
---@field name string
---@field value any

---A UI event (a button press, a slider move, ...) as onUIEvent and UI callbacks receive it.
---@class UIEvent
---@field deviceId integer
---@field eventType string "onReleased", "onChanged", "onToggled", "onLongPressDown", ...
---@field elementName string the UI element's name (`button=`, `slider=`, ... in `--%%u`)
---@field values any[] e.g. a slider's new value in `values[1]`

---An action call as onAction and QuickApp:actionHandler receive it.
---@class ActionEvent
---@field deviceId integer
---@field actionName string
---@field args any[]

---Options of QuickApp:createChildDevice (POST /plugins/createChildDevice).
---@class ChildDeviceOptions
---@field name string
---@field type string e.g. "com.fibaro.binarySwitch"
---@field initialProperties? table<string, any>
---@field initialInterfaces? string[]
---@field parentId? integer set by createChildDevice

---What QuickApp and QuickAppChild share.
---@class QuickAppBase
---@field id integer the device id
---@field name string
---@field type string the device type, e.g. "com.fibaro.binarySwitch"
---@field enabled boolean
---@field visible boolean
---@field roomID integer
---@field parentId integer 0 for a QuickApp, the parent's id for a child
---@field properties table<string, any> the device's properties (kept in step by updateProperty)
---@field interfaces string[]
---@field uiCallbacks table<string, table<string, string|function>> element -> eventType -> callback
QuickAppBase = {}

---The constructor: sets the fields from the device and registers the UI callbacks.
---@param device DeviceDto
function QuickAppBase:__init(device) end

---Logs at level DEBUG with this QuickApp's tag (__TAG).
---@param ... any
function QuickAppBase:debug(...) end

---Logs at level TRACE.
---@param ... any
function QuickAppBase:trace(...) end

---Logs at level WARNING.
---@param ... any
function QuickAppBase:warning(...) end

---Logs at level ERROR.
---@param ... any
function QuickAppBase:error(...) end

---Changes a property of this device (POST /plugins/updateProperty); it shows on refreshStates.
---@param name string e.g. "value", "state", "log"
---@param value any
function QuickAppBase:updateProperty(name, value) end

---Changes a UI element (POST /plugins/updateView), e.g. `self:updateView("status", "text", "On")`.
---@param componentName string the element's name
---@param propertyName string "text", "value", "visible", "options", "selectedItem", ...
---@param newValue any
function QuickAppBase:updateView(componentName, propertyName, newValue) end

---A quickAppVariable's value ("" when it does not exist).
---@param name string
---@return any value
function QuickAppBase:getVariable(name) end

---Sets (or adds) a quickAppVariable.
---@param name string
---@param value any
function QuickAppBase:setVariable(name, value) end

---Stores a value in the QuickApp's internalStorage.
---@param key string
---@param value any
---@param hidden? boolean
---@return integer status
function QuickAppBase:internalStorageSet(key, value, hidden) end

---A value from internalStorage (nil when missing); with no key, every key and value.
---@param key? string
---@return any
function QuickAppBase:internalStorageGet(key) end

---Removes a key from internalStorage.
---@param key string
---@return any data
---@return integer status
function QuickAppBase:internalStorageRemove(key) end

---Removes every key from internalStorage.
---@return any data
---@return integer status
function QuickAppBase:internalStorageClear() end

---Renames the device.
---@param name string
function QuickAppBase:setName(name) end

---Enables or disables the device.
---@param enabled boolean
function QuickAppBase:setEnabled(enabled) end

---Shows or hides the device.
---@param visible boolean
function QuickAppBase:setVisible(visible) end

---True when the device has the interface.
---@param name string e.g. "energy", "battery"
---@return boolean
function QuickAppBase:hasInterface(name) end

---Adds interfaces to the device.
---@param interfaces string[]
function QuickAppBase:addInterfaces(interfaces) end

---Removes interfaces from the device.
---@param interfaces string[]
function QuickAppBase:deleteInterfaces(interfaces) end

---True when the device's type is `typ` or derives from it.
---@param typ string
---@return boolean
function QuickAppBase:isTypeOf(typ) end

---Calls the method `name` (a warning when there is none).
---@param name string
---@param ... any
---@return any ...
function QuickAppBase:callAction(name, ...) end

---Registers a UI callback: a method name or a function(self, event).
---@param elementName string
---@param eventType string
---@param callback string|fun(self: QuickAppBase, event: UIEvent)
function QuickAppBase:registerUICallback(elementName, eventType, callback) end

---Registers the callbacks of the device's `uiCallbacks` property.
function QuickAppBase:setupUICallbacks() end

---Same as setupUICallbacks.
function QuickAppBase:registerUICallbacks() end

---Simulates a UI event on this device, as if the element was used.
---@param eventType string
---@param elementName string
---@param arg? any the value (a slider's level, ...)
function QuickAppBase:UIAction(eventType, elementName, arg) end

---The QuickApp: define `function QuickApp:onInit() ... end` and its actions as methods.
---Any method can be called with fibaro.call, POST /api/devices/{id}/action/{method} or a UI callback.
---@class QuickApp: QuickAppBase
---@field childDevices table<integer, QuickAppChild> child id -> child object
---@field childsInitialized? boolean true once initChildDevices has run
---@field actionHandler? fun(self: QuickApp, event: ActionEvent) when defined, takes every action
---@field UIHandler? fun(self: QuickApp, event: UIEvent) when defined, takes every UI event
QuickApp = {}

---The constructor (run by the HC3): sets up, calls onInit, then initChildDevices unless onInit did.
---@param device DeviceDto
function QuickApp:__init(device) end

---Called once when the QuickApp starts (write it).
function QuickApp:onInit() end

---Creates a child device and its object.
---@param options ChildDeviceOptions
---@param childClass? table the class of the object (default QuickAppChild)
---@return QuickAppChild child
function QuickApp:createChildDevice(options, childClass) end

---Deletes a child device.
---@param id integer
function QuickApp:removeChildDevice(id) end

---Makes the objects of the existing child devices, choosing the class by device type.
---@param map? table<string, table> device type -> class
function QuickApp:initChildDevices(map) end

---A child device of a QuickApp: `class "MyChild" (QuickAppChild)`.
---@class QuickAppChild: QuickAppBase
---@field parent QuickApp the QuickApp that owns this child
QuickAppChild = {}

---The constructor: call it from a subclass as `QuickAppChild.__init(self, device)`.
---@param device DeviceDto
function QuickAppChild:__init(device) end

---Called once when the child object is made (write it).
function QuickAppChild:onInit() end

---This QuickApp's log tag, "QUICKAPP<id>" (may be changed).
---@type string
__TAG = "QUICKAPP5000"

---This QuickApp's object, set once onInit has returned.
---@type QuickApp
quickApp = nil

---The HC3 calls this for an action on this QuickApp or one of its children.
---@param id integer
---@param event ActionEvent
function onAction(id, event) end

---The HC3 calls this for a UI event on this QuickApp or one of its children.
---@param id integer
---@param event UIEvent
function onUIEvent(id, event) end
