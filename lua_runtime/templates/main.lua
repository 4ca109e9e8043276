--%%name=@NAME@
--%%type=@TYPE@
--%%var=greeting:"Hello from plua2"
--%%u={label="status",text="Starting"}
--%%u={{button="on",text="On",onReleased="turnOn"},{button="off",text="Off",onReleased="turnOff"}}

-- @NAME@: a QuickApp made by `plua2 init`. The `--%%` lines above are its headers: the device's
-- name and type, a quickAppVariable and its UI (a label and a row of two buttons).
--
--   plua2 up .                  run every QuickApp of this folder on an emulated HC3
--   http://127.0.0.1:8888/      the dashboard (admin / admin): press On and Off
--   plua2 hc3 upload main.lua   install it on a real HC3 (HC3_URL, HC3_USER, HC3_PASSWORD in .env)

function QuickApp:onInit()
  local greeting = self:getVariable("greeting")
  self:debug(greeting, "- I am device", self.id)
  self:updateProperty("log", greeting)
  self:showValue(self.properties.value)
end

-- The buttons' callbacks (onReleased="turnOn" / "turnOff"); they are also the device's actions:
-- fibaro.call(id, "turnOn"), POST /api/devices/<id>/action/turnOn
function QuickApp:turnOn()
  self:setValue(@ON@)
end

function QuickApp:turnOff()
  self:setValue(@OFF@)
end

---@param value any
function QuickApp:setValue(value)
  self:updateProperty("value", value)
  self:showValue(value)
end

---@param value any
function QuickApp:showValue(value)
  self:updateView("status", "text", "Value: " .. tostring(value))
end
