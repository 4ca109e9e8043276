--[[ sandbox.lua: the last library chunk; takes away what the chosen sandbox forbids.

Theory of operation
  Both sandboxes: no `python` global (lupa's bridge), no way to set debug hooks (the budget owns
  them), `os.exit` ends this worker only (through the runtime, cleanly).
  "script":   desktop Lua otherwise: io, os, require from the file system, debug (minus sethook).
  "quickapp": the HC3 sandbox: no io; os keeps only clock/time/date/difftime (+ exit, see above);
              no loadfile/dofile; `require` only finds package.preload; package.loadlib gone;
              `load` accepts text chunks only (no bytecode); debug is reduced to debug.traceback.
]]
local internal = ...
local mode = internal.settings.sandbox
local exit_worker = internal.exports.exit
local raw_load = load

python = nil
package.loaded.python = nil

os.exit = function(code)
  exit_worker(code)
end

if mode == "quickapp" then
  io = nil
  package.loaded.io = nil
  local safe_os = {
    clock = os.clock,
    time = os.time,
    date = os.date,
    difftime = os.difftime,
    exit = os.exit,
  }
  os = safe_os
  package.loaded.os = safe_os
  loadfile = nil
  dofile = nil
  package.loadlib = nil
  package.path = ""
  package.cpath = ""
  local preload_searcher = package.searchers[1]
  package.searchers = { preload_searcher }
  load = function(chunk, chunkname, _mode, env)
    if env == nil then
      return raw_load(chunk, chunkname, "t")
    end
    return raw_load(chunk, chunkname, "t", env)
  end
  local safe_debug = { traceback = debug.traceback }
  debug = safe_debug
  package.loaded.debug = safe_debug
  string.dump = nil
end
