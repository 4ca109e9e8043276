--%%name=Hallway light
--%%type=com.fibaro.binarySwitch
--%%description=A light that turns itself off after a while (the example of docs/ci.md)
--%%var=autoOff:300
--%%file=lib/auto_off.lua,auto_off
--%%u={label="status",text="Off"}
--%%u={{button="on",text="On",onReleased="turnOn"},{button="off",text="Off",onReleased="turnOff"}}

-- Turn it on (the On button, or the turnOn action) and it turns itself off after `autoOff`
-- seconds (the quickAppVariable, 300 by default; the setAutoOff action changes it).

function QuickApp:onInit()
  self.autoOff = AutoOff(self, function() self:turnOff() end)
  self:show(false)
end

function QuickApp:turnOn()
  self:show(true)
  self.autoOff:start(tonumber(self:getVariable("autoOff")) or 300)
end

function QuickApp:turnOff()
  self.autoOff:cancel()
  self:show(false)
end

function QuickApp:setAutoOff(seconds)
  self:setVariable("autoOff", tonumber(seconds))
end

function QuickApp:show(on)
  self:updateProperty("value", on)
  self:updateView("status", "text", on and "On" or "Off")
  self:debug(self.name, on and "on" or "off")
end
