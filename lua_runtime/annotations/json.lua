---@meta
-- plua2 annotations: `json` (lua_runtime/json.lua), HC3-compatible.

---@class json
json = {}

---Encodes a Lua value as JSON text. The empty table is `[]`; a table with keys 1..n is an array.
---@param value any
---@return string text
function json.encode(value) end

---Decodes JSON text; `null` becomes nil. Raises an error naming the position on bad input.
---@param s string JSON text
---@return any value
function json.decode(s) end

---@class json.util
json.util = {}

---Marks `t` to be encoded as a JSON array (`[]` when empty); returns `t`.
---@generic T: table
---@param t T
---@return T
function json.util.InitArray(t) end

---Marks `t` to be encoded as a JSON object (`{}` when empty); returns `t`.
---@generic T: table
---@param t T
---@return T
function json.util.InitObject(t) end
