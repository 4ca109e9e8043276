--%%name=Hall switch
--%%type=com.fibaro.binarySwitch
--%%description=A plain on/off QuickApp (headers in the "=" spelling)
--%%var=autoOffSeconds:0

-- The classic binary switch QuickApp: turnOn/turnOff from the UI, scenes, fibaro.call or REST
-- (POST /api/devices/<id>/action/turnOn).

function QuickApp:onInit()
  self:debug("Hall switch ready, value =", tostring(self.properties.value))
end

function QuickApp:turnOn()
  self:updateProperty("value", true)
  self:updateProperty("state", true)
  local seconds = tonumber(self:getVariable("autoOffSeconds")) or 0
  if seconds > 0 then
    setTimeout(function() self:turnOff() end, seconds * 1000)
  end
end

function QuickApp:turnOff()
  self:updateProperty("value", false)
  self:updateProperty("state", false)
end

function QuickApp:toggle()
  if self.properties.value then self:turnOff() else self:turnOn() end
end
