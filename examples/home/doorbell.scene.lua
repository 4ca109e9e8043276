--%%name=Doorbell lights the living room
--%%room=Living room
--%%maxRunningInstances=1
-- A Lua scene (docs/scenes.md): the CONDITIONS block below is what goes into the HC3 editor's
-- CONDITIONS box, this whole file into its ACTIONS box. Try it:
--   curl -u admin:admin -X POST http://127.0.0.1:8888/api/customEvents/Doorbell
--[[CONDITIONS
{
  operator = "any",
  conditions = {
    { type = "custom-event", property = "Doorbell", operator = "==", isTrigger = true },
  },
}
]]

local rings = (fibaro.getSceneVariable("rings") or 0) + 1
fibaro.setSceneVariable("rings", rings)
print(("ring %d, started by %s"):format(rings, json.encode(sourceTrigger)))

fibaro.call(100, "turnOn") -- the ceiling lamp, for 5 seconds
fibaro.setTimeout(5000, function()
  fibaro.call(100, "turnOff")
end)
