---@meta
-- plua2 annotations: `net` (lua_runtime/net.lua). Every method returns at once; the result comes
-- later, to a `success` / `error` callback (or an event listener), never overlapping another
-- callback of the QuickApp. Errors are strings such as "Operation canceled", "Connection refused",
-- "End of file".

---@class net
net = {}

---------------------------------------------------------------- HTTPClient

---@class HTTPClientOptions
---@field timeout? integer milliseconds, for every request of this client

---@class HTTPRequestOptions
---@field method? "GET"|"POST"|"PUT"|"DELETE"|"PATCH"|"HEAD"|"OPTIONS"|string default "GET"
---@field headers? table<string, string>
---@field data? string the request body
---@field timeout? integer milliseconds
---@field checkCertificate? boolean false accepts any TLS certificate

---@class HTTPResponse
---@field status integer
---@field data string the body
---@field headers table<string, string>

---@class HTTPRequestParams
---@field options? HTTPRequestOptions
---@field success? fun(response: HTTPResponse)
---@field error? fun(message: string)

---@class HTTPClient
local HTTPClient = {}

---An HTTP client: `net.HTTPClient():request(url, {options = {...}, success = f, error = g})`.
---@param options? HTTPClientOptions
---@return HTTPClient
function net.HTTPClient(options) end

---Sends a request; any HTTP status (also 404 or 500) goes to `success`.
---@param url string
---@param params? HTTPRequestParams
function HTTPClient:request(url, params) end

---------------------------------------------------------------- TCPSocket

---@class SocketOptions
---@field timeout? integer milliseconds, for connect, read and write

---@class TCPConnectCallbacks
---@field success? fun()
---@field error? fun(message: string)

---@class TCPReadCallbacks
---@field success? fun(data: string)
---@field error? fun(message: string)

---@class TCPWriteCallbacks
---@field success? fun(bytes: integer)
---@field error? fun(message: string)

---@class TCPSocket
local TCPSocket = {}

---A TCP client socket.
---@param options? SocketOptions
---@return TCPSocket
function net.TCPSocket(options) end

---Connects to ip:port.
---@param ip string a host name or address
---@param port integer
---@param callbacks? TCPConnectCallbacks
function TCPSocket:connect(ip, port, callbacks) end

---Reads what arrives next (at least one byte).
---@param callbacks? TCPReadCallbacks
function TCPSocket:read(callbacks) end

---Reads up to `delimiter`; `success` gets the data before it.
---@param delimiter string
---@param callbacks? TCPReadCallbacks
function TCPSocket:readUntil(delimiter, callbacks) end

---Writes data; `success` gets the number of bytes written.
---@param data string
---@param callbacks? TCPWriteCallbacks
function TCPSocket:write(data, callbacks) end

---The timeout of read and readUntil.
---@param ms number milliseconds
function TCPSocket:setReadTimeout(ms) end

---Closes the socket (pending operations end with "Operation canceled").
function TCPSocket:close() end

---------------------------------------------------------------- UDPSocket

---@class UDPSocketOptions
---@field broadcast? boolean allow sending to broadcast addresses
---@field timeout? integer milliseconds, for receive

---@class UDPSendCallbacks
---@field success? fun()
---@field error? fun(message: string)

---@class UDPReceiveCallbacks
---@field success? fun(data: string, ip: string, port: integer)
---@field error? fun(message: string)

---@class UDPSocket
local UDPSocket = {}

---A UDP socket.
---@param options? UDPSocketOptions
---@return UDPSocket
function net.UDPSocket(options) end

---Sends one datagram.
---@param datagram string
---@param ip string
---@param port integer
---@param callbacks? UDPSendCallbacks
function UDPSocket:sendTo(datagram, ip, port, callbacks) end

---Receives one datagram.
---@param callbacks? UDPReceiveCallbacks
function UDPSocket:receive(callbacks) end

---Binds the socket to a local address and port.
---@param ip? string nil for every address
---@param port integer
function UDPSocket:bind(ip, port) end

---Closes the socket.
function UDPSocket:close() end

---------------------------------------------------------------- WebSocketClient(Tls)

---@alias WebSocketEvent "connected"|"disconnected"|"error"|"dataReceived"

---@class WebSocketClient
local WebSocketClient = {}

---A WebSocket client (ws:// or wss://).
---@return WebSocketClient
function net.WebSocketClient() end

---A WebSocket client for wss:// (the same client in plua2).
---@return WebSocketClient
function net.WebSocketClientTls() end

---Sets the listener of an event: "connected" (), "dataReceived" (data), "error" (message),
---"disconnected" ().
---@param name WebSocketEvent
---@param fn? fun(data?: string)
function WebSocketClient:addEventListener(name, fn) end

---Connects; "connected" or "error" follows.
---@param url string
---@param headers? table<string, string>
function WebSocketClient:connect(url, headers) end

---Sends a text message; false when the socket is not open.
---@param data string
---@return boolean sent
function WebSocketClient:send(data) end

---True between "connected" and "disconnected".
---@return boolean
function WebSocketClient:isOpen() end

---Closes the connection ("disconnected" follows if it was open).
function WebSocketClient:close() end
