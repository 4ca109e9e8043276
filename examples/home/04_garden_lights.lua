--%%name=Garden lights
--%%type=com.fibaro.remoteController
--%%description=A parent QuickApp with two child switches

-- Children are devices of their own (GET /api/devices?parentId=<id>); actions on them reach the
-- child class. They are created once and found again by initChildDevices on every start.

class "GardenLamp"(QuickAppChild)

function GardenLamp:__init(device)
  QuickAppChild.__init(self, device)
end

function GardenLamp:turnOn()
  self:updateProperty("value", true)
  self.parent:debug(self.name, "on")
end

function GardenLamp:turnOff()
  self:updateProperty("value", false)
  self.parent:debug(self.name, "off")
end

function QuickApp:onInit()
  self:initChildDevices({ ["com.fibaro.binarySwitch"] = GardenLamp })
  local count = 0
  for _ in pairs(self.childDevices) do count = count + 1 end
  for i = count + 1, 2 do
    self:createChildDevice({ name = "Garden lamp " .. i, type = "com.fibaro.binarySwitch" }, GardenLamp)
  end
end

function QuickApp:turnOn()
  for _, child in pairs(self.childDevices) do child:turnOn() end
end

function QuickApp:turnOff()
  for _, child in pairs(self.childDevices) do child:turnOff() end
end
