--%%name=Garden temperature
--%%type=com.fibaro.temperatureSensor
--%%var=intervalSeconds:30

-- A sensor QuickApp: a reading every `intervalSeconds` (simulated: a slow sine around 15 C).

local function reading()
  return math.floor((15 + 5 * math.sin(os.time() / 600)) * 10 + 0.5) / 10
end

function QuickApp:onInit()
  self:updateProperty("unit", "C")
  self:refresh()
  local seconds = tonumber(self:getVariable("intervalSeconds")) or 30
  setInterval(function() self:refresh() end, seconds * 1000)
end

function QuickApp:refresh()
  self:updateProperty("value", reading())
end
