--%%name=UI Panel
--%%type=com.fibaro.binarySwitch
--%%var=ip:"192.168.1.10"
--%%var=retries:3
--%%var=config:{debug=true,rooms={"hall","kitchen"}}
--%%interfaces={"energy","power"}
--%%file=lib/utils.lua,utils
--%%description=A panel with one of each UI element
--%%u={label='title',text='UI panel'}
--%%u={{button='btnOn',text='On',onReleased='turnOn'},{button='btnOff',text='Off',onReleased='turnOff',onLongPressDown='allOff'}}
--%%u={slider='dim',text='Level',min=0,max=99,step=1,onChanged='setLevel'}
--%%u={switch='sw',text='Enabled',value=false,onReleased='toggleEnabled'}
--%%u={select='mode',text='Mode',options={{text='Auto',value='auto'},{text='Manual',value='manual'}},onToggled='setMode'}
--%%u={multi='days',text='Days',options={{text='Mon',value='1'},{text='Tue',value='2'}},onToggled='setDays'}
-- ---- EOH ----

function QuickApp:onInit()
  self:debug("panel", Utils.greeting(self.name))
  self:updateView("title", "text", "Ready")
end

function QuickApp:turnOn() self:updateProperty("value", true) end
function QuickApp:turnOff() self:updateProperty("value", false) end
function QuickApp:allOff() self:turnOff() end
function QuickApp:setLevel(event) self:updateView("title", "text", "Level " .. tostring(event.values[1])) end
function QuickApp:toggleEnabled(event) self:debug("enabled", tostring(event.values[1])) end
function QuickApp:setMode(event) self:setVariable("mode", event.values[1]) end
function QuickApp:setDays(event) self:debug("days", json.encode(event.values[1])) end
