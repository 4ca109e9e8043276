-- 100,000 chained setTimeout(f, 0): each callback schedules the next one.
local N = tonumber(arg and arg[1]) or 100000
local count, t0 = 0, os.clock()
local function step()
  count = count + 1
  if count < N then setTimeout(step, 0) else
    local dt = os.clock() - t0
    print(string.format("%d chained timers in %.3f s CPU (%.0f/s)", N, dt, N / dt))
  end
end
setTimeout(step, 0)
