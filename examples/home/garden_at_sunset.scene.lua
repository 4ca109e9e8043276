--%%name=Garden lights at sunset
-- At sunset, when the house is in "Home" mode, the garden lights go on; at 23:30 they go off.
-- Run it by hand: curl -u admin:admin -X POST http://127.0.0.1:8888/api/scenes/<id>/execute
--[[CONDITIONS
{
  operator = "any",
  conditions = {
    {
      operator = "all",
      conditions = {
        { type = "date", property = "sunset", operator = "==", value = 0, isTrigger = true },
        { type = "global-variable", property = "HouseMode", operator = "==", value = "Home" },
      },
    },
    { type = "date", property = "cron", operator = "match", value = { "30", "23", "*", "*", "*", "*" },
      isTrigger = true },
  },
}
]]

if sourceTrigger.property == "cron" then
  fibaro.call(5003, "turnOff")
else
  fibaro.call(5003, "turnOn")
end
