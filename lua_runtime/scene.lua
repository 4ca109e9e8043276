--[[ scene.lua: what a Lua scene sees on top of the QuickApp API (sourceTrigger, scene variables).

Theory of operation
  A scene instance is a worker started by the supervisor (supervisor/scene_workers.py) as a QuickApp
  start-up without a QuickApp: this file runs first (after quickapp_prepare), as plain code in the
  HC3 sandbox, then the scene's actions as the main chunk; no `QuickApp:onInit` is defined, so no
  QuickApp object is made. The worker exits when the actions and every timer they set are done
  (exit_when_idle).

  One private request tells this instance who it is: `api.post("/plua/scene/context")` (answered by
  the supervisor, never routed to the REST API) returns `{id, name, trigger}`. Then:
  - `sourceTrigger` is the trigger that started the instance (scene_conditions.py lists them; a
    manual start is `{type = "user", property = "execute", id = 2}`, with `args` when given);
  - `__TAG` is "SCENE<id>", and `print` logs with it (as `fibaro.debug`);
  - `fibaro.getSceneVariable(name)` / `fibaro.setSceneVariable(name, value)` read and write the
    scene's variables, kept by the supervisor across instances (`/plua/scene/variable/get|set`);
  - `sceneId` is the scene's id (a plua2 convenience).
]]
local context = api.post("/plua/scene/context", {})
if type(context) ~= "table" or type(context.id) ~= "number" then
  error("plua2: this worker is not a scene instance", 0)
end

sceneId = context.id
sourceTrigger = context.trigger or { type = "user", property = "execute", id = 2 }
__TAG = "SCENE" .. tostring(context.id)

local tostring, type, format = tostring, type, string.format

function fibaro.getSceneVariable(name)
  __assert_type(name, "string")
  local result = api.post("/plua/scene/variable/get", { name = name })
  if type(result) == "table" then
    return result.value
  end
  return nil
end

function fibaro.setSceneVariable(name, value)
  __assert_type(name, "string")
  local _, status = api.post("/plua/scene/variable/set", { name = name, value = value })
  if status ~= 200 then
    error(format("setSceneVariable %s: cannot store a %s", name, type(value)), 2)
  end
end
