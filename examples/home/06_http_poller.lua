--%%name:HTTP poller
--%%type:com.fibaro.multilevelSensor
--%%var:url="http://127.0.0.1:8888/api/settings/info"
--%%var:intervalSeconds=60
--%%u:{label="result",text="-"}

-- Polls an HTTP endpoint with net.HTTPClient (asynchronous, callbacks as on an HC3). By default
-- it asks this very plua2 for /api/settings/info with the default credentials (admin:admin).

function QuickApp:onInit()
  self.http = net.HTTPClient({ timeout = 5000 })
  self:poll()
  local seconds = tonumber(self:getVariable("intervalSeconds")) or 60
  setInterval(function() self:poll() end, seconds * 1000)
end

function QuickApp:poll()
  local url = self:getVariable("url")
  self.http:request(url, {
    options = {
      method = "GET",
      headers = { Accept = "application/json", Authorization = "Basic YWRtaW46YWRtaW4=" },
    },
    success = function(response)
      local ok, data = pcall(json.decode, response.data)
      local text = ok and type(data) == "table" and tostring(data.hcName or data.serialNumber)
        or ("status " .. tostring(response.status))
      self:updateProperty("value", response.status)
      self:updateView("result", "text", text)
      self:debug("poll", url, response.status, text)
    end,
    error = function(message)
      self:updateView("result", "text", "error: " .. tostring(message))
      self:warning("poll", url, message)
    end,
  })
end
