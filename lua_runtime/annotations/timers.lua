---@meta
-- plua2 annotations: the timers of a QuickApp (lua_runtime/timers.lua).

---Runs `fn` once after `ms` milliseconds (0 when omitted). Callbacks never overlap.
---@param fn function the callback
---@param ms? number milliseconds
---@return integer ref a reference for clearTimeout
function setTimeout(fn, ms) end

---Runs `fn` every `ms` milliseconds until cleared.
---@param fn function the callback
---@param ms? number milliseconds between runs
---@return integer ref a reference for clearInterval
function setInterval(fn, ms) end

---Cancels a timer made by setTimeout (nil is ignored).
---@param ref? integer
function clearTimeout(ref) end

---Cancels a timer made by setInterval (nil is ignored).
---@param ref? integer
function clearInterval(ref) end
