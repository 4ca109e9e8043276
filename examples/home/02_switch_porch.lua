--%%name:Porch light
--%%type:com.fibaro.binarySwitch
--%%var:hallSwitch=5000
--%%u:{button="toggle",text="Toggle",onReleased="toggle"}

-- The same kind of switch, headers in the ":" spelling; turning it on also turns on the hall
-- switch (fibaro.call is fire-and-forget, as on an HC3).

function QuickApp:onInit()
  self:debug("Porch light ready")
end

function QuickApp:turnOn()
  self:updateProperty("value", true)
  fibaro.call(tonumber(self:getVariable("hallSwitch")), "turnOn")
end

function QuickApp:turnOff()
  self:updateProperty("value", false)
end

function QuickApp:toggle()
  if fibaro.getValue(self.id, "value") then self:turnOff() else self:turnOn() end
end
