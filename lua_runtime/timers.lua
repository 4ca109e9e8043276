--[[ timers.lua: setTimeout / clearTimeout / setInterval / clearInterval.

Theory of operation
  The Python TimerQueue decides *when* (heap of due time, creation order); this file keeps *what*:
  `timer_callbacks[ref] = fn`, private to the runtime. The worker runs a due timer with
  run_timer(ref, once): a one-shot's function is dropped before it runs; an interval's stays until
  cleared. Clearing drops the function here and the entry in Python, so a timer cleared by any
  callback before it is due never fires, and an interval cleared from its own callback stops.
]]
local internal = ...
local callbacks = internal.timer_callbacks
local add_timer, cancel_timer = internal.exports.addTimer, internal.exports.cancelTimer
local type, error, getmetatable, math_type = type, error, getmetatable, math.type

local function callable(fn)
  if type(fn) == "function" then
    return true
  end
  local mt = getmetatable(fn)
  return type(mt) == "table" and mt.__call ~= nil
end

local function schedule(name, fn, ms, interval)
  if not callable(fn) then
    error(("%s: expected a function as argument #1, got %s"):format(name, type(fn)), 3)
  end
  if ms == nil then
    ms = 0
  elseif type(ms) ~= "number" or ms ~= ms then
    error(("%s: expected milliseconds (a number) as argument #2, got %s"):format(name, type(ms)), 3)
  end
  local ref = add_timer(ms, interval)
  callbacks[ref] = fn
  return ref
end

local function clear(name, ref)
  if ref == nil then
    return
  end
  if math_type(ref) ~= "integer" then
    error(("%s: expected a timer reference, got %s"):format(name, type(ref)), 3)
  end
  if callbacks[ref] ~= nil then
    callbacks[ref] = nil
    cancel_timer(ref)
  end
end

function setTimeout(fn, ms)
  return schedule("setTimeout", fn, ms, false)
end

function setInterval(fn, ms)
  return schedule("setInterval", fn, ms, true)
end

function clearTimeout(ref)
  clear("clearTimeout", ref)
end

function clearInterval(ref)
  clear("clearInterval", ref)
end
