--[[ clock.lua: os.time() and os.date() on the emulated HC3 clock.

Theory of operation
  Until the worker's clock turns virtual (worker/clock.py: a `clock` Load option or a Clock
  message from the supervisor), both call Lua's own functions. Afterwards, "now" (os.time() with no
  table, os.date with no time) is _PY.wallTime(), floored to whole seconds as on an HC3; every
  format of os.date ("*t", "!*t", "%H:%M", ...) is Lua's own, applied to that time. os.time{...}
  (a date table) and os.date(fmt, t) with an explicit time never read the clock. Python turns the
  switch with internal.set_virtual_time(true); it is never turned back.
]]
local internal = ...
local wall_time = internal.exports.wallTime
local native_time, native_date, floor = os.time, os.date, math.floor
local virtual = false

function internal.set_virtual_time(on)
  virtual = on and true or false
end

function os.time(t)
  if t == nil and virtual then
    return floor(wall_time())
  end
  return native_time(t)
end

function os.date(format, t)
  if t == nil and virtual then
    t = floor(wall_time())
  end
  return native_date(format, t)
end
