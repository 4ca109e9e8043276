---@meta
-- plua2 annotations for the lua-language-server (sumneko): `class` and `property`.
-- Generated into a project by `plua2 init`; the runtime is lua_runtime/class.lua.

---Declares a Luabind-style class and stores it in the global `name`:
---```lua
---class "Lamp" (QuickAppChild)
---function Lamp:__init(device) QuickAppChild.__init(self, device) end
---```
---Calling the result with a base class sets the base; calling the class makes an instance and
---runs its `__init`.
---@param name string the class name (also the global it is stored in)
---@return fun(base: table): table setBase call it with the base class: `class "Name" (Base)`
function class(name) end

---A class property: `Name.x = property(get, set)` makes `obj.x` call `get(obj)` and
---`obj.x = v` call `set(obj, v)` (an error without a setter).
---@param getter fun(self: any): any
---@param setter? fun(self: any, value: any)
---@return table property
function property(getter, setter) end
