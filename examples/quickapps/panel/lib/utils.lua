Utils = {}

function Utils.greeting(name)
  return "Hello from " .. name
end
