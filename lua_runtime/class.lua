--[[ class.lua: `class "Name" (Base)` and `property(getter, setter)`, Luabind style as on the HC3.

Theory of operation
  `class "Name"` creates a class table, stores it in the global `Name` and returns a function that
  takes the base class: `class "Child" (Parent)`. Calling the class makes an instance and runs
  `__init` (found through the base chain, so a subclass without its own constructor gets its
  parent's); base constructors are called explicitly, `Parent.__init(self, ...)`.

  - Methods are looked up instance -> class -> base -> ...; a class table's metatable has
    `__index = base`, so `Child.__init` finds `Parent.__init` too.
  - Metamethods defined on a class (`__tostring`, `__eq`, `__add`, ...) act on its instances, also
    when inherited: each instance gets a metatable built at construction from the whole chain.
  - `Name.x = property(get, set)` makes `obj.x` call `get(obj)` and `obj.x = v` call `set(obj, v)`
    (an error without a setter). Classes with no property in their chain keep a plain table
    `__index`, so method calls cost nothing extra.
]]
local setmetatable, getmetatable, rawget, rawset, type, error, tostring, pairs =
  setmetatable, getmetatable, rawget, rawset, type, error, tostring, pairs
local format = string.format

local PROPERTY = {} -- metatable of property markers
local has_properties = setmetatable({}, { __mode = "k" }) -- class -> true
local class_names = setmetatable({}, { __mode = "k" }) -- class -> name

local METAMETHODS = {
  "__tostring", "__eq", "__lt", "__le", "__add", "__sub", "__mul", "__div", "__mod", "__pow",
  "__unm", "__idiv", "__band", "__bor", "__bxor", "__shl", "__shr", "__bnot", "__concat", "__len",
  "__call", "__close", "__gc",
}

local function is_property(v)
  return type(v) == "table" and getmetatable(v) == PROPERTY
end

function property(getter, setter)
  if type(getter) ~= "function" then
    error("property: the getter must be a function", 2)
  end
  if setter ~= nil and type(setter) ~= "function" then
    error("property: the setter must be a function or nil", 2)
  end
  return setmetatable({ get = getter, set = setter }, PROPERTY)
end

local function chain_has_properties(cls)
  while cls do
    if has_properties[cls] then
      return true
    end
    local mt = getmetatable(cls)
    cls = mt and mt.__index
    if type(cls) ~= "table" then
      return false
    end
  end
  return false
end

local function instance_metatable(cls, name)
  local mt = {}
  for i = 1, #METAMETHODS do
    local m = cls[METAMETHODS[i]]
    if m ~= nil then
      mt[METAMETHODS[i]] = m
    end
  end
  if mt.__tostring == nil then
    mt.__tostring = function()
      return name .. " object"
    end
  end
  if chain_has_properties(cls) then
    mt.__index = function(obj, key)
      local v = cls[key]
      if is_property(v) then
        return v.get(obj)
      end
      return v
    end
    mt.__newindex = function(obj, key, value)
      local v = cls[key]
      if is_property(v) then
        if v.set == nil then
          error(format("property '%s' of %s is read-only", tostring(key), name), 2)
        end
        v.set(obj, value)
      else
        rawset(obj, key, value)
      end
    end
  else
    mt.__index = cls
  end
  return mt
end

function class(name)
  if type(name) ~= "string" then
    error("class: the class name must be a string", 2)
  end
  local cls = {}
  local cls_mt = {}
  cls_mt.__tostring = function()
    return "class " .. name
  end
  cls_mt.__call = function(_, ...)
    local obj = setmetatable({}, instance_metatable(cls, name))
    local init = cls.__init
    if init ~= nil then
      init(obj, ...)
    end
    return obj
  end
  cls_mt.__newindex = function(t, key, value)
    if is_property(value) then
      has_properties[t] = true
    end
    rawset(t, key, value)
  end
  setmetatable(cls, cls_mt)
  class_names[cls] = name
  _G[name] = cls
  return function(base)
    if type(base) ~= "table" or class_names[base] == nil then
      error(format("class %s: the base must be a class", name), 2)
    end
    cls_mt.__index = base
    return cls
  end
end
