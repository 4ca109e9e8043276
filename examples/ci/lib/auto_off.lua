-- AutoOff: one pending timer that calls `action` after some seconds; starting again restarts it.

class "AutoOff"

function AutoOff:__init(quickApp, action)
  self.quickApp = quickApp
  self.action = action
  self.timer = nil
end

function AutoOff:start(seconds)
  self:cancel()
  self.timer = setTimeout(function()
    self.timer = nil
    self.action()
  end, seconds * 1000)
end

function AutoOff:cancel()
  if self.timer then
    clearTimeout(self.timer)
    self.timer = nil
  end
end
