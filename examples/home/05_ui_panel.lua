--%%name=Living room panel
--%%type=com.fibaro.multilevelSwitch
--%%u={label="status",text="Ready"}
--%%u={{button="on",text="On",onReleased="pressOn"},{button="off",text="Off",onReleased="pressOff"}}
--%%u={slider="level",text="Level",min="0",max="100",onChanged="levelChanged"}

-- A UI panel: buttons, a slider and a label. Press them in the dashboard, or from outside with
-- GET /api/plugins/callUIEvent?deviceID=<id>&elementName=on&eventType=onReleased

function QuickApp:onInit()
  self:updateView("status", "text", "Level " .. tostring(self.properties.value or 0))
end

function QuickApp:pressOn()
  self:setValue(100)
end

function QuickApp:pressOff()
  self:setValue(0)
end

function QuickApp:levelChanged(event)
  self:setValue(tonumber(event.values[1]) or 0)
end

function QuickApp:setValue(level)
  self:updateProperty("value", level)
  self:updateView("level", "value", tostring(level))
  self:updateView("status", "text", "Level " .. tostring(level))
end

function QuickApp:turnOn() self:setValue(100) end
function QuickApp:turnOff() self:setValue(0) end
