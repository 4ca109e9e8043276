--[[ bootstrap.lua: the first chunk a worker runs, before any user code.

Theory of operation
  `...` is (exports, settings): `exports` maps names to the Python host functions registered with
  @lua_exporter (raw lupa callables: each returns `true, results...` or `false, message`);
  `settings` holds budget (seconds), hook_count (instructions between budget checks), sandbox.

  - `_PY.<name>` is a Lua closure over the Python callable that turns `false, message` into a Lua
    error at the caller's line: Lua never sees a Python object or a Python exception.
  - Callbacks run through `run(fn, ...)` / `run_timer(ref, once)`, returned to Python in the private
    `internal` table (unreachable from Lua globals). They set the deadline (os.clock, i.e. CPU time,
    so blocking host calls do not count) and install the count hook on the main coroutine: arming
    happens only here, driven by Python.
  - The hook is installed on every coroutine created through coroutine.create / coroutine.wrap.
    Past the deadline (or when Python asks for an abort) it raises, and re-arms itself with count 1
    so a pcall that swallowed the error is interrupted again at its next instruction. It never
    raises inside the runner functions themselves, so the runner always reports back to Python.
  - Result of a runner: `true, results...` or `false, kind, message, traceback` with kind one of
    "callback", "budget", "memory", "abort".
]]
local exports, settings = ...

local type, select, error, tostring, pcall, xpcall = type, select, error, tostring, pcall, xpcall
local sethook, getinfo, traceback = debug.sethook, debug.getinfo, debug.traceback
local clock, huge = os.clock, math.huge
local concat = table.concat
local co_create, co_resume, co_status = coroutine.create, coroutine.resume, coroutine.status

local internal = { exports = {}, settings = settings }

---------------------------------------------------------------- host functions

local function check(ok, ...)
  if ok then
    return ...
  end
  error((...), 2)
end

local PY = {}
for name, pyfn in pairs(exports) do
  local f = function(...)
    return check(pyfn(...))
  end
  PY[name] = f
  internal.exports[name] = f
end
_PY = PY

---------------------------------------------------------------- budget hook and runners

local COUNT = settings.hook_count or 1000
local budget = settings.budget or 3.0
local deadline = huge
local abort_message = nil -- set by Python: every Lua instruction raises it until the next run
local expired = false
local expired_traceback = nil
local last_traceback = nil
local no_raise = {} -- functions inside which the hook never raises (the runners)

-- tracebacks end at the user's code: drop the runner's own frames
local function user_traceback(msg, level)
  local tb = traceback(msg, level + 1)
  tb = tb:gsub("\n\t%[C%]: in upvalue 'xpcall'\n\tbootstrap%.lua:%d+: in function 'xpcall'", "\n\t[C]: in function 'xpcall'")
  return (tb:gsub("\n\t%[C%]: in upvalue 'xpcall'\n\tbootstrap%.lua:.*$", ""))
end

local function hook()
  if abort_message or clock() > deadline then
    local info = getinfo(2, "f")
    if info and no_raise[info.func] then
      return
    end
    sethook(hook, "", 1) -- trap 1: fire again right after any pcall that swallows this
    if abort_message then
      error(abort_message, 0)
    end
    if not expired then
      expired = true
      expired_traceback = user_traceback("callback exceeded its budget", 2)
    end
    error(("callback exceeded its budget of %g s"):format(budget), 0)
  end
  sethook(hook, "", COUNT) -- a coroutine left at count 1 by an earlier budget goes back to normal
end

local function handler(e)
  local msg = e
  if type(e) ~= "string" then
    local ok, s = pcall(tostring, e)
    msg = ok and type(s) == "string" and s or "(error object is a " .. type(e) .. " value)"
  end
  last_traceback = user_traceback(msg, 2)
  return msg
end

local function finish(ok, ...)
  deadline = huge
  if ok then
    return true, ...
  end
  local msg = ...
  if abort_message then
    return false, "abort", abort_message, ""
  elseif expired then
    return false, "budget", ("callback exceeded its budget of %g s"):format(budget), expired_traceback or ""
  elseif last_traceback == nil and msg == "not enough memory" then
    return false, "memory", "not enough memory", ""
  end
  if type(msg) ~= "string" then
    msg = handler(msg)
  end
  return false, "callback", msg, last_traceback or ""
end

local function run(fn, ...)
  deadline = clock() + budget
  expired, expired_traceback, last_traceback = false, nil, nil
  sethook(hook, "", COUNT)
  return finish(xpcall(fn, handler, ...))
end

local timer_callbacks = {}
internal.timer_callbacks = timer_callbacks

local function run_timer(ref, once)
  local fn = timer_callbacks[ref]
  if fn == nil then
    return true
  end
  if once then
    timer_callbacks[ref] = nil
  end
  deadline = clock() + budget
  expired, expired_traceback, last_traceback = false, nil, nil
  sethook(hook, "", COUNT)
  return finish(xpcall(fn, handler))
end

-- Python: stop whatever Lua runs now and from now on (shutdown, os.exit); there is no way back.
local function abort(message)
  abort_message = message
  sethook(hook, "", 1)
end

local function set_budget(seconds)
  budget = seconds
end

no_raise[run] = true
no_raise[run_timer] = true
no_raise[finish] = true
no_raise[handler] = true
no_raise[abort] = true
no_raise[set_budget] = true
no_raise[check] = true
no_raise[user_traceback] = true

internal.run = run
internal.run_timer = run_timer
internal.abort = abort
internal.set_budget = set_budget
internal.hook = hook

-- A message handler called for an error raised by the hook runs with hooks off (Lua disables them
-- inside a hook): once the budget is spent or an abort is on, user handlers are skipped.
_ENV.xpcall = function(f, msgh, ...)
  if type(msgh) ~= "function" then
    return xpcall(f, msgh, ...)
  end
  return xpcall(f, function(e)
    if expired or abort_message or clock() > deadline then
      return e
    end
    return msgh(e)
  end, ...)
end

---------------------------------------------------------------- coroutines get the hook (trap 2)

local function hooked_create(f)
  local co = co_create(f)
  sethook(co, hook, "", COUNT)
  return co
end

local function wrap_result(ok, ...)
  if ok then
    return ...
  end
  error((...), 0)
end

-- a coroutine that ran out of budget returns its error to the resumer like pcall would: arm the
-- resumer's hook at count 1 so the callback itself stops right there too (trap 1, across threads)
local function after_resume(...)
  if expired or abort_message then
    sethook(hook, "", 1)
  end
  return ...
end

coroutine.create = hooked_create
coroutine.resume = function(co, ...)
  return after_resume(co_resume(co, ...))
end
coroutine.wrap = function(f)
  local co = hooked_create(f)
  return function(...)
    return wrap_result(after_resume(co_resume(co, ...)))
  end
end

-- nobody but the runtime may change hooks (trap 3); reading them is harmless
debug.sethook = function()
  error("debug.sethook is reserved by plua2 (callback budget)", 2)
end

---------------------------------------------------------------- output

local log = internal.exports.log
function print(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do
    parts[i] = tostring((select(i, ...)))
  end
  log("print", concat(parts, "\t"))
end

internal.load = load
return internal
