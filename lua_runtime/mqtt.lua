--[[ mqtt.lua: mqtt.Client, as on the HC3 (an MQTT 3.1.1 client).

Theory of operation
  `mqtt.Client.connect(uri, options)` returns a client at once; the connection runs in the worker's
  trio nursery (worker/net_mqtt.py) and everything it does comes back as one posted callback
  `internal.mqtt_event(handle, name, ...)`, serialized with timers and every other callback. Here
  those become the HC3's event tables, given to the listener set with addEventListener:

    connected     {sessionPresent = bool, returnCode = 0}
    message       {topic = s, payload = s, qos = n, retain = bool, dup = bool}
    subscribed    {packetId = n, results = {grantedQoS or 128, ...}}
    unsubscribed  {packetId = n}
    published     {packetId = n}      (QoS 0: written; 1: PUBACK; 2: PUBCOMP)
    error         {message = s [, code = CONNACK return code of a refusal]}
    closed        {}                  always the last event of a client, exactly once

  subscribe / unsubscribe / publish return the packet id at once (calls made before "connected"
  go out right behind CONNECT); on a closed client they return nil and an "error" event
  {message = "Not connected"} follows. `clients[handle]` keeps a client from connect until
  "closed", so a connected client is never collected (it is always listening).

  Besides the listeners, an options table may carry `callback = function(code)` (as other HC3
  emulators accept): connect's gets the CONNACK return code (or -1 when the connection failed),
  subscribe's / unsubscribe's / publish's get 0 when acknowledged, disconnect's 0 once closed.

  Argument errors (a uri that is not a string, a QoS of 3) are Lua errors at the caller's line;
  network failures ("Connection refused", "End of file", "Keep alive timeout", ...) are "error"
  events.
]]
local internal = ...
local PY = internal.exports
local type, error, setmetatable, getmetatable, tostring, ipairs, select = type, error, setmetatable, getmetatable, tostring, ipairs, select
local tointeger, format = math.tointeger, string.format
local set_timeout = setTimeout

local clients = {}

mqtt = {
  QoS = { AT_MOST_ONCE = 0, AT_LEAST_ONCE = 1, EXACTLY_ONCE = 2 },
  ConnectReturnCode = {
    ACCEPTED = 0,
    UNACCEPTABLE_PROTOCOL_VERSION = 1,
    IDENTIFIER_REJECTED = 2,
    SERVER_UNAVAILABLE = 3,
    BAD_USER_NAME_OR_PASSWORD = 4,
    NOT_AUTHORIZED = 5,
  },
  Client = {},
}

local EVENTS = {
  connected = true,
  closed = true,
  message = true,
  subscribed = true,
  unsubscribed = true,
  published = true,
  error = true,
}

local function callable(fn)
  if type(fn) == "function" then
    return true
  end
  local mt = getmetatable(fn)
  return type(mt) == "table" and mt.__call ~= nil
end

local function check_options(name, options)
  if options ~= nil and type(options) ~= "table" then
    error(format("%s: options must be a table, got %s", name, type(options)), 3)
  end
  options = options or {}
  if options.callback ~= nil and not callable(options.callback) then
    error(format("%s: callback must be a function", name), 3)
  end
  return options
end

local function check_qos(name, qos)
  if qos == nil then
    return 0
  end
  local q = tointeger(qos)
  if q == nil or q < 0 or q > 2 then
    error(format("%s: qos must be 0, 1 or 2, got %s", name, tostring(qos)), 3)
  end
  return q
end

local function check_topic(name, topic)
  local t = type(topic)
  if t ~= "string" and t ~= "number" then
    error(format("%s: a topic must be a string, got %s", name, t), 3)
  end
  if topic == "" then
    error(format("%s: a topic must not be empty", name), 3)
  end
  return tostring(topic)
end

local Client = {}
local client_mt = {
  __index = Client,
  __tostring = function(self)
    return self._name
  end,
}

local function emit(client, name, event)
  local listener = client._listeners[name]
  if listener then
    listener(event)
  end
end

-- a call on a closed client: nil now, an "error" event soon after (never inside the call)
local function not_connected(client)
  set_timeout(function()
    emit(client, "error", { message = "Not connected" })
  end, 0)
  return nil
end

local function remember(client, pid, callback)
  if pid ~= nil and callback ~= nil then
    client._callbacks[pid] = callback
  end
  return pid
end

local function acknowledged(client, pid)
  local callback = client._callbacks[pid]
  if callback then
    client._callbacks[pid] = nil
    callback(0)
  end
end

function mqtt.Client.connect(uri, options)
  if type(uri) ~= "string" then
    error(format("mqtt.Client.connect: uri must be a string, got %s", type(uri)), 2)
  end
  options = check_options("mqtt.Client.connect", options)
  local will = options.lastWill
  if will ~= nil then
    if type(will) ~= "table" then
      error("mqtt.Client.connect: lastWill must be a table {topicName, payload, qos, retain}", 2)
    end
    will = {
      topicName = check_topic("mqtt.Client.connect: lastWill", will.topicName),
      payload = will.payload ~= nil and tostring(will.payload) or "",
      qos = check_qos("mqtt.Client.connect: lastWill", will.qos),
      retain = will.retain == true,
    }
  end
  local keep_alive = options.keepAlivePeriod
  if keep_alive ~= nil and tointeger(keep_alive) == nil then
    error("mqtt.Client.connect: keepAlivePeriod must be an integer (seconds)", 2)
  end
  local h = PY.mqttConnect(uri, {
    clientId = options.clientId,
    keepAlivePeriod = keep_alive and tointeger(keep_alive),
    username = options.username,
    password = options.password,
    cleanSession = options.cleanSession,
    lastWill = will,
    checkCertificate = options.checkCertificate,
    certificateAuthority = options.certificateAuthority,
    clientCertificate = options.clientCertificate,
    clientPrivateKey = options.clientPrivateKey or options.clientKey,
  })
  local client = setmetatable({
    _h = h,
    _listeners = {},
    _callbacks = {},
    _connectCallback = options.callback,
    _connected = false,
  }, client_mt)
  client._name = format("MQTT Client object: %s", tostring(client._listeners):match("0x%x+") or "?")
  clients[h] = client
  return client
end

function Client:addEventListener(name, fn)
  if not EVENTS[name] then
    error(format("mqtt client:addEventListener: unknown event %s", tostring(name)), 2)
  end
  if fn ~= nil and not callable(fn) then
    error("mqtt client:addEventListener: expected a function", 2)
  end
  self._listeners[name] = fn
end

function Client:removeEventListener(name)
  self._listeners[name] = nil
end

-- "t" | {"t1", "t2"} | {{"t1", qos}, {"t2", qos}} -> {{"t1", qos}, ...}
local function topic_list(name, topics, qos)
  if type(topics) ~= "table" then
    return { { check_topic(name, topics), qos } }
  end
  local list = {}
  for i, t in ipairs(topics) do
    if type(t) == "table" then
      list[i] = { check_topic(name, t[1] or t.topic), check_qos(name, t[2] or t.qos) }
    else
      list[i] = { check_topic(name, t), qos }
    end
  end
  if #list == 0 then
    error(format("%s: no topic given", name), 3)
  end
  return list
end

function Client:subscribe(topics, options)
  options = check_options("mqtt client:subscribe", options)
  local qos = check_qos("mqtt client:subscribe", options.qos)
  local list = topic_list("mqtt client:subscribe", topics, qos)
  local pid = self._h and PY.mqttSubscribe(self._h, list)
  if pid == nil then
    return not_connected(self)
  end
  return remember(self, pid, options.callback)
end

function Client:unsubscribe(topics, options)
  options = check_options("mqtt client:unsubscribe", options)
  local names = {}
  for i, t in ipairs(topic_list("mqtt client:unsubscribe", topics, 0)) do
    names[i] = t[1]
  end
  local pid = self._h and PY.mqttUnsubscribe(self._h, names)
  if pid == nil then
    return not_connected(self)
  end
  return remember(self, pid, options.callback)
end

function Client:publish(topic, payload, options)
  topic = check_topic("mqtt client:publish", topic)
  local t = type(payload)
  if payload ~= nil and t ~= "string" and t ~= "number" then
    error(format("mqtt client:publish: payload must be a string, got %s", t), 2)
  end
  options = check_options("mqtt client:publish", options)
  local qos = check_qos("mqtt client:publish", options.qos)
  local pid = self._h and PY.mqttPublish(self._h, topic, payload ~= nil and tostring(payload) or "", qos, options.retain == true)
  if pid == nil then
    return not_connected(self)
  end
  return remember(self, pid, options.callback)
end

function Client:disconnect(options)
  options = check_options("mqtt client:disconnect", options)
  if options.callback then
    self._disconnectCallback = options.callback
  end
  if self._h then
    PY.mqttDisconnect(self._h) -- "closed" follows
  end
end

function Client:isConnected()
  return self._connected
end

function internal.mqtt_event(handle, name, ...)
  local client = clients[handle]
  if client == nil then
    return
  end
  local event
  if name == "message" then
    local topic, payload, qos, retain, dup = ...
    event = { topic = topic, payload = payload, qos = qos, retain = retain, dup = dup }
  elseif name == "connected" then
    local session_present, code = ...
    client._connected = true
    event = { sessionPresent = session_present, returnCode = code }
    local callback = client._connectCallback
    client._connectCallback = nil
    if callback then
      callback(code)
    end
  elseif name == "published" or name == "unsubscribed" then
    local pid = ...
    event = { packetId = pid }
    acknowledged(client, pid)
  elseif name == "subscribed" then
    local pid = ...
    event = { packetId = pid, results = { select(2, ...) } }
    acknowledged(client, pid)
  elseif name == "error" then
    local message, code = ...
    event = { message = message, code = code }
    local callback = client._connectCallback
    client._connectCallback = nil
    if callback then
      callback(code or -1)
    end
  elseif name == "closed" then
    clients[handle] = nil
    client._h = nil
    client._connected = false
    event = {}
    local callback = client._disconnectCallback
    client._disconnectCallback = nil
    if callback then
      callback(0)
    end
  else
    return
  end
  emit(client, name, event)
end
