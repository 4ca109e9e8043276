--[[ net.lua: net.HTTPClient, net.TCPSocket, net.UDPSocket, net.WebSocketClient(Tls), as on the HC3.

Theory of operation
  Every method returns at once; the work runs in the worker's trio nursery (worker/net_*.py) and
  comes back as one posted callback, serialized with timers and every other callback:
    internal.net_complete(op, ok, ...)        an operation (request, connect, read, write, ...)
    internal.net_event(handle, name, ...)     a WebSocket event
  `ops[op]` keeps the user's callbacks *and the object* until the completion ran, so an object
  with an operation in flight is never collected. A TCP/UDP object nobody references any more is
  closed by its __gc (the worker may then end, for `plua2 run`); a WebSocket stays in `sockets`
  from connect until "disconnected" (it is always listening). __gc only notes the handle in
  `internal.net_collected`; Python closes it soon after.

  Errors in the arguments (a url that is not a string, a callback that is not a function) are Lua
  errors at the caller's line; network failures go to the `error` callback (or "error" event) as a
  string: "Operation canceled" (timeout, or closed while pending), "Connection refused",
  "End of file" (peer closed), "Host not found (authoritative)", "Not connected", ... (see
  worker/net_service.py).
]]
local internal = ...
local PY = internal.exports
local type, error, setmetatable, getmetatable, rawget, pcall, tostring = type, error, setmetatable, getmetatable, rawget, pcall, tostring
local tointeger, format = math.tointeger, string.format

local net_close = PY.netClose
local ops = {}
local sockets = {}

local function callable(fn)
  if type(fn) == "function" then
    return true
  end
  local mt = getmetatable(fn)
  return type(mt) == "table" and mt.__call ~= nil
end

local function check_callbacks(name, callbacks)
  if callbacks == nil then
    return nil, nil
  end
  if type(callbacks) ~= "table" then
    error(format("%s: expected a table of callbacks, got %s", name, type(callbacks)), 3)
  end
  local success, fail = callbacks.success, callbacks.error
  if success ~= nil and not callable(success) then
    error(format("%s: success must be a function, got %s", name, type(success)), 3)
  end
  if fail ~= nil and not callable(fail) then
    error(format("%s: error must be a function, got %s", name, type(fail)), 3)
  end
  return success, fail
end

local function check_string(name, what, value)
  local t = type(value)
  if t ~= "string" and t ~= "number" then
    error(format("%s: %s must be a string, got %s", name, what, t), 3)
  end
end

local function check_port(name, port)
  local p = tointeger(port)
  if p == nil then
    error(format("%s: port must be an integer, got %s", name, type(port)), 3)
  end
  return p
end

local function track(op, owner, success, fail, adapt)
  ops[op] = { owner = owner, success = success, error = fail, adapt = adapt }
end

function internal.net_complete(op, ok, ...)
  local entry = ops[op]
  if entry == nil then
    return
  end
  ops[op] = nil
  if ok then
    if entry.success then
      if entry.adapt then
        entry.success(entry.adapt(...))
      else
        entry.success(...)
      end
    end
  elseif entry.error then
    entry.error(...)
  end
end

function internal.net_event(handle, name, ...)
  local ws = sockets[handle]
  if ws == nil then
    return
  end
  if name == "connected" then
    ws._open = true
  elseif name == "disconnected" or (name == "error" and not ws._open) then
    ws._open = false
    sockets[handle] = nil
    if rawget(ws, "_h") == handle then
      ws._h = nil
    end
  end
  local listener = ws._listeners[name]
  if listener then
    listener(...)
  end
end

-- Never call Python from __gc: it may run while the Lua state itself is being closed (when the
-- Python runtime object is freed). The worker closes these handles later (NetService.drain_collected).
local collected = {}
internal.net_collected = collected

local function collect(self)
  local h = rawget(self, "_h")
  if h then
    collected[#collected + 1] = h
  end
end

local function class(name)
  local methods = {}
  local mt = {
    __index = methods,
    __gc = collect,
    __tostring = function(self)
      return self._name
    end,
  }
  local function new(fields)
    fields._name = format("%s object: %s", name, tostring(fields):match("0x%x+") or "?")
    return setmetatable(fields, mt)
  end
  return methods, new
end

net = {}

---------------------------------------------------------------- HTTPClient

local HTTPClient, new_http = class("HTTPClient")

local function http_response(status, data, headers)
  return { status = status, data = data, headers = headers }
end

function net.HTTPClient(options)
  if options ~= nil and type(options) ~= "table" then
    error("net.HTTPClient: options must be a table", 2)
  end
  return new_http({ _timeout = options and options.timeout })
end

function HTTPClient:request(url, params)
  check_string("HTTPClient:request", "url", url)
  if params ~= nil and type(params) ~= "table" then
    error("HTTPClient:request: expected a table {options=, success=, error=}", 2)
  end
  params = params or {}
  local success, fail = check_callbacks("HTTPClient:request", params)
  local o = params.options or {}
  if type(o) ~= "table" then
    error("HTTPClient:request: options must be a table", 2)
  end
  local op = PY.netHttpRequest(url, o.method, o.headers, o.data, o.timeout or self._timeout, o.checkCertificate)
  track(op, self, success, fail, http_response)
end

---------------------------------------------------------------- TCPSocket

local TCPSocket, new_tcp = class("TCPSocket")

function net.TCPSocket(options)
  if options ~= nil and type(options) ~= "table" then
    error("net.TCPSocket: options must be a table", 2)
  end
  return new_tcp({ _timeout = options and options.timeout })
end

function TCPSocket:connect(ip, port, callbacks)
  check_string("TCPSocket:connect", "ip", ip)
  port = check_port("TCPSocket:connect", port)
  local success, fail = check_callbacks("TCPSocket:connect", callbacks)
  if self._h then
    pcall(net_close, self._h)
  end
  local h, op = PY.netTcpConnect(ip, port, self._timeout)
  self._h = h
  track(op, self, success, fail)
end

function TCPSocket:read(callbacks)
  local success, fail = check_callbacks("TCPSocket:read", callbacks)
  track(PY.netTcpRead(self._h, self._readTimeout or self._timeout), self, success, fail)
end

function TCPSocket:readUntil(delimiter, callbacks)
  check_string("TCPSocket:readUntil", "delimiter", delimiter)
  local success, fail = check_callbacks("TCPSocket:readUntil", callbacks)
  track(PY.netTcpReadUntil(self._h, delimiter, self._readTimeout or self._timeout), self, success, fail)
end

function TCPSocket:write(data, callbacks)
  check_string("TCPSocket:write", "data", data)
  local success, fail = check_callbacks("TCPSocket:write", callbacks)
  track(PY.netTcpWrite(self._h, data, self._timeout), self, success, fail)
end

function TCPSocket:setReadTimeout(ms)
  if type(ms) ~= "number" then
    error("TCPSocket:setReadTimeout: expected milliseconds (a number)", 2)
  end
  self._readTimeout = ms
end

function TCPSocket:close()
  local h = self._h
  if h then
    self._h = nil
    net_close(h)
  end
end

---------------------------------------------------------------- UDPSocket

local UDPSocket, new_udp = class("UDPSocket")

function net.UDPSocket(options)
  if options ~= nil and type(options) ~= "table" then
    error("net.UDPSocket: options must be a table", 2)
  end
  options = options or {}
  return new_udp({ _h = PY.netUdpOpen(options.broadcast == true), _timeout = options.timeout })
end

function UDPSocket:sendTo(datagram, ip, port, callbacks)
  check_string("UDPSocket:sendTo", "datagram", datagram)
  check_string("UDPSocket:sendTo", "ip", ip)
  port = check_port("UDPSocket:sendTo", port)
  local success, fail = check_callbacks("UDPSocket:sendTo", callbacks)
  track(PY.netUdpSendTo(self._h, datagram, ip, port), self, success, fail)
end

function UDPSocket:receive(callbacks)
  local success, fail = check_callbacks("UDPSocket:receive", callbacks)
  track(PY.netUdpReceive(self._h, self._timeout), self, success, fail)
end

function UDPSocket:bind(ip, port)
  if ip ~= nil then
    check_string("UDPSocket:bind", "ip", ip)
  end
  PY.netUdpBind(self._h, ip, check_port("UDPSocket:bind", port))
end

function UDPSocket:close()
  local h = self._h
  if h then
    self._h = nil
    net_close(h)
  end
end

---------------------------------------------------------------- WebSocketClient(Tls)

local WebSocket, new_ws = class("WebSocket")
local EVENTS = { connected = true, disconnected = true, error = true, dataReceived = true }

local function websocket_client()
  return new_ws({ _listeners = {}, _open = false })
end
net.WebSocketClient = websocket_client
net.WebSocketClientTls = websocket_client

function WebSocket:addEventListener(name, fn)
  if not EVENTS[name] then
    error(format("WebSocket:addEventListener: unknown event %s", tostring(name)), 2)
  end
  if fn ~= nil and not callable(fn) then
    error("WebSocket:addEventListener: expected a function", 2)
  end
  self._listeners[name] = fn
end

function WebSocket:connect(url, headers)
  check_string("WebSocket:connect", "url", url)
  if headers ~= nil and type(headers) ~= "table" then
    error("WebSocket:connect: headers must be a table", 2)
  end
  if self._h then
    self:close()
  end
  local h = PY.netWsConnect(url, headers)
  self._h = h
  self._open = false
  sockets[h] = self
end

function WebSocket:send(data)
  check_string("WebSocket:send", "data", data)
  if not (self._open and self._h) then
    return false
  end
  return PY.netWsSend(self._h, data)
end

function WebSocket:isOpen()
  return self._open == true
end

function WebSocket:close()
  local h = self._h
  if h then
    if not self._open then -- still connecting: no event will follow
      sockets[h] = nil
      self._h = nil
    end
    self._open = false
    net_close(h) -- "disconnected" follows if it was connected
  end
end
