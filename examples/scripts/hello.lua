-- plua2 run examples/scripts/hello.lua
-- JavaScript-style timers: the script ends when nothing is pending.
print("hello from " .. _VERSION)

local n = 0
local ref
ref = setInterval(function()
  n = n + 1
  print("tick " .. n)
  if n == 3 then clearInterval(ref) end
end, 100)

setTimeout(function()
  print(json.encode({ done = true, ticks = n }))
end, 450)
