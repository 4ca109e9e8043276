--%%name:BenchHome
--%%type:com.fibaro.binarySwitch
--%%offline:true
-- plua's side of bench/http_api.py: an offline QuickApp that creates 99 child devices, so that plua
-- serves 101 devices (its controller 1, this QuickApp, 99 children), like plua2's 100 + controller.

class 'BenchSwitch'(QuickAppChild)
function BenchSwitch:__init(device) QuickAppChild.__init(self, device) end

function QuickApp:onInit()
  for i = 1, 99 do
    api.post("/plugins/createChildDevice", {
      parentId = self.id, type = "com.fibaro.binarySwitch", name = "Switch " .. i,
    })
  end
  self:initChildDevices({ ["com.fibaro.binarySwitch"] = BenchSwitch })
end
