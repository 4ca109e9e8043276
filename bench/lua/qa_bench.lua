--%%name:BenchQA000
--%%type:com.fibaro.binarySwitch
--%%offline:true

-- One of the 100 QuickApps of bench/quickapps.py: the harness writes 100 copies, each with its own
-- name (BenchQA001..BenchQA100), into a temporary folder and runs them all with `plua2 up DIR` and
-- with `plua --fibaro --offline FILE...` (plua2 ignores --%%offline; plua needs it for its offline
-- routes). Only HC3 Lua API: the same file runs unchanged in both.
--
-- onInit: a little work (a loop, a quickAppVariable, a property update), then the marker line
-- "QABENCH init <id>" on the console: the harness times its arrival on stdout.
--
-- fibaro.call round trips: the harness calls the action `go` on QuickApp A over REST
-- (POST /api/devices/A/action/go {"args": [B, n, batch]}). 20 ms later (the REST exchange is
-- over) A prints "QABENCH start <batch>" and calls fibaro.call(B, "ping", 1, A); B's ping
-- answers fibaro.call(A, "pong", seq); A's pong starts the next round trip until n are done, then
-- prints "QABENCH done <batch> <n>". The harness times the two marker lines as they arrive:
-- (done - start) / n is the mean round trip of the batch. n = 0 prints both lines at once: the
-- harness's baseline for what the marker lines alone cost.

local MARK = "QABENCH"

function QuickApp:onInit()
  local sum = 0
  for i = 1, 2000 do
    sum = sum + (i * i) % 7
  end
  self:setVariable("checksum", sum)
  self:updateProperty("value", true)
  print(string.format("%s init %d", MARK, self.id))
end

function QuickApp:go(target, n, batch)
  self.benchTarget = math.tointeger(target) or target
  self.benchLeft = math.tointeger(n) or n
  self.benchBatch = math.tointeger(batch) or batch
  setTimeout(function() -- the REST exchange that brought `go` is over by then
    print(string.format("%s start %d", MARK, self.benchBatch))
    if self.benchLeft <= 0 then -- n = 0: the cost of the two marker lines alone
      print(string.format("%s done %d 0", MARK, self.benchBatch))
      return
    end
    fibaro.call(self.benchTarget, "ping", 1, self.id)
  end, 20)
end

function QuickApp:ping(seq, from)
  fibaro.call(from, "pong", seq)
end

function QuickApp:pong(seq)
  self.benchLeft = self.benchLeft - 1
  if self.benchLeft <= 0 then
    print(string.format("%s done %d %d", MARK, self.benchBatch, seq))
    return
  end
  fibaro.call(self.benchTarget, "ping", seq + 1, self.id)
end
