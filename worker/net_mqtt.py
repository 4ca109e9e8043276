"""`mqtt.Client` underneath: one trio task per client drives a `ClientSession` over a trio stream.

Theory of operation
-------------------
`_PY.mqttConnect(uri, options)` makes an `MqttClient` handle (see worker/net_service.py), holds the
worker alive with it and starts its task at once; from then on everything comes back to Lua as
events `internal.mqtt_event(handle, name, ...)`, posted through `runtime.post` so they run serially
with every other callback; lua_runtime/mqtt.lua turns them into the HC3's event tables:

    "connected"    sessionPresent, returnCode
    "message"      topic, payload, qos, retain, dup
    "subscribed"   packetId, result...          (granted QoS, or 128 for a refused filter)
    "unsubscribed" packetId
    "published"    packetId                     (QoS 0: written; 1: PUBACK; 2: PUBCOMP)
    "error"        message [, code]             (code: the CONNACK return code of a refusal)
    "closed"                                    always the last event, exactly once

The protocol itself (packets, QoS flows, keep-alive arithmetic) is pure code in
net_mqtt_packets.py and net_mqtt_session.py; this module only moves bytes and time:

- the task connects (TCP, then TLS for mqtts://) and sends CONNECT under one deadline
  (CONNECT_TIMEOUT), and waits for CONNACK; then a reader feeds the session, a writer sends what the
  session queued (woken by every call and every received packet), and a keep-alive task polls the
  session at the deadline it asks for;
- `subscribe` / `unsubscribe` / `publish` return their packet id at once (packets queued before
  CONNACK go out right behind CONNECT); on a client that is closed they return nothing;
- `disconnect()` queues DISCONNECT; the writer sends it, the stream is closed, "closed" follows. A
  client still connecting is just cancelled. At the worker's end the task is cancelled and posts
  nothing;
- a broker that goes away (end of file, reset), a protocol error, a keep-alive timeout, a refused
  CONNACK or a failed connect give "error" (its text) and then "closed";
- the handle holds the worker alive from connect until "closed" is posted (post first, release
  second), so `plua2 run` keeps a script with an open client running, as it does for a WebSocket.

TLS (mqtts://, ssl://, tls://): `certificateAuthority` (PEM text) is the CA to verify the broker
against; `clientCertificate` / `clientPrivateKey` (PEM text, or both in the first) authenticate the
client. The broker's certificate and host name are checked when `checkCertificate` is true, or when
it is not given and a `certificateAuthority` is; otherwise not (QuickApps mostly talk to brokers on
the LAN with self-signed certificates, as for WebSocketClientTls).
"""

from __future__ import annotations

import os
import ssl
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import trio

from .exporters import lua_exporter
from .net_mqtt_packets import Connect, LocalMqttError, MqttError, Will
from .net_mqtt_session import (
    CONNACK_TEXT,
    ClientSession,
    Connected,
    Event,
    KeepAliveTimeout,
    MessageReceived,
    NotConnected,
    Published,
    Refused,
    SessionState,
    Subscribed,
    Unsubscribed,
)
from .net_service import Handle, NetError, NetService, describe_error, lua_bytes, service_for

if TYPE_CHECKING:
    from .runtime import Runtime

__all__ = [
    "CONNECT_TIMEOUT",
    "DEFAULT_KEEP_ALIVE",
    "Broker",
    "MqttClient",
    "TlsOptions",
    "parse_broker_uri",
]

#: seconds a connect (TCP, TLS, CONNECT/CONNACK) may take
CONNECT_TIMEOUT = 30.0
#: seconds the DISCONNECT may take to be written before the stream is just closed
CLOSE_TIMEOUT = 2.0
#: keepAlivePeriod (seconds) when the options give none
DEFAULT_KEEP_ALIVE = 60
_READ_SIZE = 65536
_PLAIN = {"mqtt": 1883, "tcp": 1883}
_SECURE = {"mqtts": 8883, "ssl": 8883, "tls": 8883}


class BrokerRefused(NetError):
    """CONNACK with a non-zero return code."""

    def __init__(self, code: int) -> None:
        super().__init__(CONNACK_TEXT.get(code, f"Connection refused: return code {code}"))
        self.code = code


@dataclass(frozen=True, slots=True)
class Broker:
    host: str
    port: int
    tls: bool


def parse_broker_uri(uri: str) -> Broker:
    """mqtt://host[:port] (also tcp://, or no scheme), mqtts://host[:port] (also ssl://, tls://)."""
    text = uri.strip()
    if "://" not in text:
        text = "mqtt://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise NetError(f"Invalid URI: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _PLAIN and scheme not in _SECURE:
        raise NetError(f"Invalid URI: unsupported scheme {scheme}://")
    if not parts.hostname:
        raise NetError("Invalid URI: no host")
    default = _PLAIN.get(scheme) or _SECURE[scheme]
    return Broker(parts.hostname, port or default, scheme in _SECURE)


@dataclass(frozen=True, slots=True)
class TlsOptions:
    check_certificate: bool | None = None
    certificate_authority: str | None = None
    client_certificate: str | None = None
    client_key: str | None = None

    def context(self) -> ssl.SSLContext:
        verify = (
            self.check_certificate
            if self.check_certificate is not None
            else self.certificate_authority is not None
        )
        try:
            if self.certificate_authority is not None:
                context = ssl.create_default_context(cadata=self.certificate_authority)
            else:
                context = ssl.create_default_context()
            if not verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            if self.client_certificate is not None:
                # the ssl module loads a certificate chain from files only
                with tempfile.TemporaryDirectory(prefix="plua2-mqtt-") as folder:
                    cert = os.path.join(folder, "cert.pem")
                    with open(cert, "w", encoding="utf-8") as f:
                        f.write(self.client_certificate)
                    key = None
                    if self.client_key is not None:
                        key = os.path.join(folder, "key.pem")
                        with open(key, "w", encoding="utf-8") as f:
                            f.write(self.client_key)
                    context.load_cert_chain(cert, key)
        except (ssl.SSLError, ValueError, OSError) as exc:
            raise NetError(f"Invalid certificate: {getattr(exc, 'reason', None) or exc}") from None
        return context


class MqttClient(Handle):
    sweepable = False

    def __init__(
        self, service: NetService, hid: int, uri: str, connect: Connect, tls: TlsOptions
    ) -> None:
        super().__init__(service, hid)
        self.uri = uri
        self.tls = tls
        self.session = ClientSession(connect)
        self.connected = False
        self._wake_writer = trio.Event()
        self._early: list[Event] = []

    # ---------------------------------------------------------------- calls from Lua

    def close(self) -> None:
        """disconnect(): queue DISCONNECT (the writer sends it, then ends the connection), or
        cancel a connect in progress. "closed" follows from the task. Idempotent."""
        if self.closed:
            return
        self.closed = True
        self.service.handles.pop(self.hid, None)
        self.session.disconnect()
        if not self.connected:
            for scope in list(self.scopes):
                scope.cancel()
        self.wake()

    def wake(self) -> None:
        self._wake_writer.set()

    # ---------------------------------------------------------------- the task

    async def run(self) -> None:
        failure: Exception | None = None
        try:
            with trio.CancelScope() as scope:
                self.scopes.add(scope)
                if self.closed:
                    scope.cancel()
                await self._connection()
        except Exception as exc:
            failure = exc
        finally:
            self.closed = True
            self.service.handles.pop(self.hid, None)
            if failure is not None:
                failure = _unwrap(failure)  # type: ignore[assignment]
                if isinstance(failure, BrokerRefused):
                    self.emit(b"error", str(failure).encode(), failure.code)
                else:
                    self.emit(b"error", _describe(failure).encode())
            self.emit(b"closed")
            self.release()

    async def _connection(self) -> None:
        broker = parse_broker_uri(self.uri)
        with trio.fail_after(CONNECT_TIMEOUT):
            stream: trio.abc.Stream = await trio.open_tcp_stream(broker.host, broker.port)
            try:
                if broker.tls:
                    stream = trio.SSLStream(stream, self.tls.context(), server_hostname=broker.host)
                    await stream.do_handshake()
                # "published" of a QoS 0 message sent behind CONNECT comes right after "connected"
                self._early = await self._send(stream, deliver=False)
                while self.session.state is SessionState.CONNECTING:
                    await self._receive(stream)
            except BaseException:
                await trio.aclose_forcefully(stream)
                raise
        try:
            if self.session.state is SessionState.CONNECTED:
                self.connected = True
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(self._reader, stream)
                    nursery.start_soon(self._keep_alive)
                    await self._writer(stream)
                    nursery.cancel_scope.cancel()
        finally:
            await trio.aclose_forcefully(stream)

    async def _receive(self, stream: trio.abc.Stream) -> None:
        data = await stream.receive_some(_READ_SIZE)
        if not data:
            raise NetError("End of file")
        for event in self.session.receive_data(data):
            self._deliver(event)
        self.wake()  # acknowledgements may be queued

    async def _reader(self, stream: trio.abc.Stream) -> None:
        try:
            while True:
                await self._receive(stream)
        except NetError:
            if self.closed:  # the broker closed after our DISCONNECT
                return
            raise

    async def _send(self, stream: trio.abc.Stream, deliver: bool = True) -> list[Event]:
        """Write what the session queued; deliver (or return) the events due once written."""
        data, done = self.session.data_to_send(trio.current_time())
        if data:
            await stream.send_all(data)
        if not deliver:
            return done
        for event in done:
            self._deliver(event)
        return []

    async def _writer(self, stream: trio.abc.Stream) -> None:
        """Send what the session queued, until a DISCONNECT went out."""
        while True:
            self._wake_writer = trio.Event()
            if self.session.state is SessionState.CLOSED:
                with trio.move_on_after(CLOSE_TIMEOUT):
                    await self._send(stream)
                return
            await self._send(stream)
            await self._wake_writer.wait()

    async def _keep_alive(self) -> None:
        session = self.session
        while (deadline := session.next_deadline()) is not None:
            await trio.sleep_until(deadline)
            session.poll(trio.current_time())
            self.wake()

    # ---------------------------------------------------------------- back into Lua

    def _deliver(self, event: Event) -> None:
        match event:
            case Connected(session_present, return_code):
                self.emit(b"connected", session_present, return_code)
                early, self._early = self._early, []
                for done in early:
                    self._deliver(done)
            case Refused(code):
                raise BrokerRefused(code)
            case MessageReceived(topic, payload, qos, retain, dup):
                self.emit(b"message", topic.encode(), payload, qos, retain, dup)
            case Subscribed(pid, results):
                self.emit(b"subscribed", pid, *results)
            case Unsubscribed(pid):
                self.emit(b"unsubscribed", pid)
            case Published(pid):
                self.emit(b"published", pid)

    def emit(self, name: bytes, *values: Any) -> None:
        """Post `internal.mqtt_event(handle, name, values...)`."""
        try:
            runtime = self.service.runtime
        except RuntimeError:
            return
        if runtime.stopping:
            return
        hid = self.hid

        def deliver() -> None:
            fn = runtime.internal[b"mqtt_event"]
            if fn is not None:
                runtime.run_callback(fn, hid, name, *values)

        runtime.post(deliver)


def _unwrap(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def _describe(exc: BaseException) -> str:
    """The "error" event's text: network errors as net.* gives them, protocol errors prefixed."""
    exc = _unwrap(exc)
    if isinstance(exc, NetError | KeepAliveTimeout):
        return str(exc)
    if isinstance(exc, MqttError):
        return f"Protocol error: {exc}"
    return describe_error(exc)


# -------------------------------------------------------------------------- host functions


def _text(value: Any, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{what} must be UTF-8 text") from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"{what} must be a string")


def _data(value: Any, what: str) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else lua_bytes(value, what)


def _qos(value: Any, what: str = "qos") -> int:
    if value is None:
        return 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if type(value) is not int or value not in (0, 1, 2):
        raise ValueError(f"{what} must be 0, 1 or 2")
    return value


def _options(options: Any) -> dict[str, Any]:
    if options is None or options == []:
        return {}
    if not isinstance(options, dict):
        raise TypeError("options must be a table")
    return options


def connect_packet(options: dict[str, Any], default_client_id: str) -> Connect:
    """The CONNECT for HC3-style options (clientId, keepAlivePeriod, username, password,
    cleanSession, lastWill = {topicName, payload, qos, retain})."""
    client_id = options.get("clientId")
    keep_alive = options.get("keepAlivePeriod", DEFAULT_KEEP_ALIVE)
    if isinstance(keep_alive, float) and keep_alive.is_integer():
        keep_alive = int(keep_alive)
    if type(keep_alive) is not int or not 0 <= keep_alive <= 65535:
        raise ValueError("keepAlivePeriod must be 0..65535 seconds")
    username = options.get("username")
    password = options.get("password")
    will = None
    last_will = _options(options.get("lastWill"))
    if last_will:
        will = Will(
            _text(last_will.get("topicName"), "lastWill.topicName"),
            _data(last_will.get("payload", b""), "lastWill.payload"),
            _qos(last_will.get("qos"), "lastWill.qos"),
            last_will.get("retain") is True,
        )
    return Connect(
        client_id=_text(client_id, "clientId") if client_id is not None else default_client_id,
        keep_alive=keep_alive,
        clean_session=options.get("cleanSession") is not False,
        username=(
            _text(username, "username")
            if username is not None
            else ("" if password is not None else None)
        ),
        password=_data(password, "password") if password is not None else None,
        will=will,
    )


def tls_options(options: dict[str, Any]) -> TlsOptions:
    def pem(name: str) -> str | None:
        value = options.get(name)
        return None if value is None else _text(value, name)

    check = options.get("checkCertificate")
    return TlsOptions(
        check_certificate=None if check is None else check is not False,
        certificate_authority=pem("certificateAuthority"),
        client_certificate=pem("clientCertificate"),
        client_key=pem("clientPrivateKey") or pem("clientKey"),
    )


def _client(runtime: Runtime, hid: Any) -> MqttClient | None:
    handle = service_for(runtime).handle(hid, MqttClient)
    return handle if isinstance(handle, MqttClient) else None


@lua_exporter(name="mqttConnect", with_runtime=True)
def mqtt_connect(runtime: Runtime, uri: Any, options: Any = None) -> int:
    """_PY.mqttConnect(uri, options) -> handle; events follow through internal.mqtt_event."""
    uri_text = _text(uri, "uri")
    opts = _options(options)
    service = service_for(runtime)
    hid = service.new_id()
    try:
        connect = connect_packet(opts, f"plua2-{os.getpid()}-{hid}")
    except LocalMqttError as exc:
        raise ValueError(str(exc)) from None
    client = MqttClient(service, hid, uri_text, connect, tls_options(opts))
    service.add_handle(client)
    client.hold()

    def unavailable() -> None:
        client.emit(b"error", b"network is not available in this runtime")
        client.emit(b"closed")
        client.closed = True
        service.handles.pop(client.hid, None)
        client.release()

    service.spawn(client.run, unavailable)
    return hid


@lua_exporter(name="mqttSubscribe", with_runtime=True)
def mqtt_subscribe(runtime: Runtime, hid: Any, topics: Any) -> int | None:
    """_PY.mqttSubscribe(handle, {{filter, qos}, ...}) -> packetId (nil when not connected)."""
    if not isinstance(topics, list) or not topics:
        raise TypeError("topics must be a non-empty list")
    filters = [(_text(t[0], "topic"), _qos(t[1] if len(t) > 1 else None)) for t in topics]
    client = _client(runtime, hid)
    if client is None:
        return None
    try:
        pid = client.session.subscribe(filters)
    except NotConnected:
        return None
    client.wake()
    return pid


@lua_exporter(name="mqttUnsubscribe", with_runtime=True)
def mqtt_unsubscribe(runtime: Runtime, hid: Any, topics: Any) -> int | None:
    """_PY.mqttUnsubscribe(handle, {filter, ...}) -> packetId (nil when not connected)."""
    if not isinstance(topics, list) or not topics:
        raise TypeError("topics must be a non-empty list")
    filters = [_text(t, "topic") for t in topics]
    client = _client(runtime, hid)
    if client is None:
        return None
    try:
        pid = client.session.unsubscribe(filters)
    except NotConnected:
        return None
    client.wake()
    return pid


@lua_exporter(name="mqttPublish", raw=True, with_runtime=True)
def mqtt_publish(
    runtime: Runtime, hid: Any, topic: Any, payload: Any, qos: Any = None, retain: Any = None
) -> int | None:
    """_PY.mqttPublish(handle, topic, payload, qos, retain) -> packetId (nil when not connected)."""
    topic_text = _text(topic, "topic")
    data = lua_bytes(payload, "payload") if payload is not None else b""
    level = _qos(qos)
    client = _client(runtime, hid)
    if client is None:
        return None
    try:
        pid = client.session.publish(topic_text, data, level, retain is True)
    except NotConnected:
        return None
    except LocalMqttError as exc:
        raise ValueError(str(exc)) from None
    client.wake()
    return pid


@lua_exporter(name="mqttDisconnect", raw=True, with_runtime=True)
def mqtt_disconnect(runtime: Runtime, hid: Any) -> None:
    """_PY.mqttDisconnect(handle): DISCONNECT and close; "closed" follows (unknown: ignored)."""
    client = _client(runtime, hid)
    if client is not None:
        client.close()
