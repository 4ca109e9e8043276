-- N chained setTimeout(f, 0): each callback schedules the next one. Uses only setTimeout, print
-- and os.clock, so it runs unchanged in plua2 and in plua. The harness times the two printed
-- lines as they arrive (wall clock) and also reads the os.clock figure (CPU time of the process).
local N = 100000
local n = 0
print("chain start")
local t0 = os.clock()
local function step()
  n = n + 1
  if n < N then
    setTimeout(step, 0)
  else
    local dt = os.clock() - t0
    print(string.format("chained %d timers in %.4f s (os.clock): %.0f per second", n, dt, n / dt))
  end
end
setTimeout(step, 0)
