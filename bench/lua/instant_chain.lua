--%%name=InstantChain
--%%type=com.fibaro.binarySwitch
-- N chained setTimeout(step, 1000): one virtual second between two callbacks. bench/virtual_time.py
-- writes N into a copy and runs it under `plua2 up --instant` and `flua --instant`; it times the
-- "chain start" and "chain done" lines as they arrive. os.exit ends the run (flua) or the worker.
local N = 1000
function QuickApp:onInit()
  local n, t0 = 0, os.time()
  print("chain start " .. os.date("%Y-%m-%d %H:%M:%S"))
  local function step()
    n = n + 1
    if n < N then
      setTimeout(step, 1000)
    else
      print(string.format("chain done %d callbacks in %d virtual s, now %s", n, os.time() - t0,
        os.date("%Y-%m-%d %H:%M:%S")))
      os.exit(0)
    end
  end
  setTimeout(step, 1000)
end
