---@meta
-- plua2 annotations: `mqtt` as on the HC3 (REFERENCE.md section 5). Asynchronous: results and
-- incoming messages come to the listeners set with addEventListener.

---@class mqtt
mqtt = {}

---@enum mqtt.QoS
mqtt.QoS = {
  AT_MOST_ONCE = 0,
  AT_LEAST_ONCE = 1,
  EXACTLY_ONCE = 2,
}

---@enum mqtt.ConnectReturnCode
mqtt.ConnectReturnCode = {
  ACCEPTED = 0,
  UNACCEPTABLE_PROTOCOL_VERSION = 1,
  IDENTIFIER_REJECTED = 2,
  SERVER_UNAVAILABLE = 3,
  BAD_USER_NAME_OR_PASSWORD = 4,
  NOT_AUTHORIZED = 5,
}

---@class MqttLastWill
---@field topicName string
---@field payload string
---@field qos? mqtt.QoS|integer
---@field retain? boolean

---@class MqttConnectOptions
---@field clientId? string
---@field keepAlivePeriod? integer seconds
---@field username? string
---@field password? string
---@field cleanSession? boolean
---@field lastWill? MqttLastWill
---@field checkCertificate? boolean false accepts any TLS certificate (mqtts://)
---@field certificateAuthority? string PEM
---@field clientCertificate? string PEM
---@field clientPrivateKey? string PEM
---@field clientKey? string PEM (another name of clientPrivateKey)
---@field callback? fun(returnCode: integer) gets the CONNACK return code (-1: no connection)

---@class MqttSubscribeOptions
---@field qos? mqtt.QoS|integer for the topics given without their own
---@field callback? fun(code: integer) gets 0 when acknowledged

---@class MqttPublishOptions
---@field qos? mqtt.QoS|integer
---@field retain? boolean
---@field callback? fun(code: integer) gets 0 when acknowledged (at once for QoS 0)

---@class MqttOptions
---@field callback? fun(code: integer) gets 0 when done

---A topic with its own QoS: `{"home/+/temp", 1}` or `{topic = "home/#", qos = 0}`.
---@alias MqttTopicQoS {[1]: string, [2]: integer}|{topic: string, qos?: integer}

---What the listeners receive; which fields are set depends on the event.
---@class MqttEvent
---@field sessionPresent? boolean connected
---@field returnCode? mqtt.ConnectReturnCode|integer connected, error
---@field topic? string message
---@field payload? string message
---@field qos? integer message
---@field retain? boolean message
---@field dup? boolean message
---@field packetId? integer subscribed, unsubscribed, published, message
---@field results? integer[] subscribed: the granted QoS per topic
---@field code? integer error: the CONNACK return code of a refused connection
---@field message? string error: what went wrong ("Connection refused", "Not connected", ...)

---@alias MqttEventName "connected"|"closed"|"message"|"subscribed"|"unsubscribed"|"published"|"error"

---@class mqtt.Client
mqtt.Client = {}

---@class MqttClient
local MqttClient = {}

---Connects to a broker, e.g. `mqtt.Client.connect("mqtt://192.168.1.10:1883", {clientId = "qa"})`.
---@param uri string mqtt://host[:port] or mqtts://host[:port]
---@param options? MqttConnectOptions
---@return MqttClient client
function mqtt.Client.connect(uri, options) end

---Sets the listener of an event ("closed" is always the last event, exactly once).
---@param name MqttEventName
---@param fn? fun(event: MqttEvent)
function MqttClient:addEventListener(name, fn) end

---Removes the listener of an event.
---@param name MqttEventName
function MqttClient:removeEventListener(name) end

---Subscribes to a topic or a list of topics; "subscribed" follows. nil when not connected.
---@param topics string|string[]|MqttTopicQoS[]
---@param options? MqttSubscribeOptions
---@return integer? packetId
function MqttClient:subscribe(topics, options) end

---Unsubscribes; "unsubscribed" follows. nil when not connected.
---@param topics string|string[]
---@param options? MqttOptions
---@return integer? packetId
function MqttClient:unsubscribe(topics, options) end

---Publishes a message; "published" follows (at once for QoS 0). nil when not connected.
---@param topic string
---@param payload? string|number
---@param options? MqttPublishOptions
---@return integer? packetId
function MqttClient:publish(topic, payload, options) end

---Disconnects; "closed" follows.
---@param options? MqttOptions
function MqttClient:disconnect(options) end

---True between "connected" and "closed".
---@return boolean
function MqttClient:isConnected() end
