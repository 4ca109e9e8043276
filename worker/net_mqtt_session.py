"""The client side of one MQTT 3.1.1 connection as a state machine: no sockets, no clock of its own.

Theory of operation
-------------------
`ClientSession` is driven by its owner (worker/net_mqtt.py, or a test):

- calls made for the user (`subscribe`, `unsubscribe`, `publish`, `disconnect`) queue packets and
  return the packet id at once;
- `receive_data(bytes)` feeds what the broker sent and returns the `Event`s that follow (and queues
  the acknowledgements the protocol asks for: PUBACK, PUBREC, PUBREL, PUBCOMP);
- `data_to_send(now)` hands over every queued byte, in order, with the events that are due once
  those bytes are written (`Published` of a QoS 0 message: it has no acknowledgement);
- `poll(now)` runs the keep-alive; `next_deadline()` says when it wants to be polled again.

States: CONNECTING (CONNECT queued, waiting for CONNACK) -> CONNECTED -> CLOSED. A refused
CONNACK, a protocol error, a keep-alive timeout or `disconnect()` end in CLOSED, which is sticky:
nothing is queued or accepted after it. Before CONNACK the user may already queue packets (the
protocol allows a client to send right after CONNECT); they go out behind CONNECT.

QoS flows, both directions, without retransmission (a connection that breaks ends the client, as
the HC3's does, and a new connect starts a new session):
- out QoS 1: PUBLISH -> PUBACK -> `Published`; out QoS 2: PUBLISH -> PUBREC, PUBREL -> PUBCOMP ->
  `Published`; out QoS 0: `Published` once written;
- in QoS 1: `MessageReceived`, PUBACK; in QoS 2: `MessageReceived` once per packet id (a resent
  PUBLISH with the same id before its PUBREL is not delivered again), PUBREC; PUBREL -> PUBCOMP.

Packet ids run 1..65535 and skip the ids still in flight; a QoS 0 publish gets an id too (never sent)
so that every `publish` returns a distinct number for its `Published` event.

Keep-alive (seconds, 0 = off): when nothing was written for `keep_alive` seconds a PINGREQ goes out;
when a PINGREQ stays unanswered for `keep_alive` seconds more, `poll` raises `KeepAliveTimeout`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from .net_mqtt_packets import (
    ConnAck,
    Connect,
    Disconnect,
    LocalMqttError,
    MqttError,
    Packet,
    PacketReader,
    PingReq,
    PingResp,
    PubAck,
    PubComp,
    Publish,
    PubRec,
    PubRel,
    RemoteMqttError,
    SubAck,
    Subscribe,
    UnsubAck,
    Unsubscribe,
    encode,
)

__all__ = [
    "CONNACK_TEXT",
    "ClientSession",
    "Connected",
    "Event",
    "KeepAliveTimeout",
    "MessageReceived",
    "NotConnected",
    "Published",
    "Refused",
    "SessionState",
    "Subscribed",
    "Unsubscribed",
]

#: CONNACK return codes (MQTT 3.1.1 section 3.2.2.3) and the error texts we give for them
CONNACK_TEXT = {
    1: "Connection refused: unacceptable protocol version",
    2: "Connection refused: identifier rejected",
    3: "Connection refused: server unavailable",
    4: "Connection refused: bad user name or password",
    5: "Connection refused: not authorized",
}
#: the largest packet we accept from a broker
MAX_INCOMING = 16 * 1024 * 1024


class KeepAliveTimeout(MqttError):
    """The broker did not answer a PINGREQ in time."""


class NotConnected(MqttError):
    """A call on a session that is CLOSED."""


class SessionState(Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Connected:
    session_present: bool
    return_code: int


@dataclass(frozen=True, slots=True)
class Refused:
    return_code: int


@dataclass(frozen=True, slots=True)
class MessageReceived:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    dup: bool


@dataclass(frozen=True, slots=True)
class Subscribed:
    packet_id: int
    results: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Unsubscribed:
    packet_id: int


@dataclass(frozen=True, slots=True)
class Published:
    packet_id: int


Event = Connected | Refused | MessageReceived | Subscribed | Unsubscribed | Published


class ClientSession:
    def __init__(self, connect: Connect) -> None:
        self.keep_alive = connect.keep_alive
        self.state = SessionState.CONNECTING
        self._reader = PacketReader(MAX_INCOMING)
        self._outbox = bytearray(encode(connect))
        self._written: list[Event] = []  # due once the outbox is written (QoS 0 Published)
        self._next_id = 0
        #: packet id -> what completes it: "suback", "unsuback", "puback", "pubrec", "pubcomp"
        self._in_flight: dict[int, str] = {}
        self._inbound_qos2: set[int] = set()
        self._last_sent: float | None = None
        self._ping_sent: float | None = None

    # ---------------------------------------------------------------- calls for the user

    def subscribe(self, topics: list[tuple[str, int]]) -> int:
        return self._request(lambda pid: Subscribe(pid, tuple(topics)), "suback")

    def unsubscribe(self, topics: list[str]) -> int:
        return self._request(lambda pid: Unsubscribe(pid, tuple(topics)), "unsuback")

    def publish(self, topic: str, payload: bytes, qos: int = 0, retain: bool = False) -> int:
        if any(c in topic for c in "+#"):
            raise LocalMqttError("a PUBLISH topic must not contain wildcards")
        if qos == 0:
            self._check_open()
            pid = self._new_id()
            self._queue(Publish(topic, payload, 0, retain))
            self._written.append(Published(pid))
            return pid
        return self._request(
            lambda pid: Publish(topic, payload, qos, retain, packet_id=pid),
            "puback" if qos == 1 else "pubrec",
        )

    def disconnect(self) -> None:
        """Queue DISCONNECT (when connected or connecting) and close the session."""
        if self.state is not SessionState.CLOSED:
            self._queue(Disconnect())
            self.state = SessionState.CLOSED

    def _check_open(self) -> None:
        if self.state is SessionState.CLOSED:
            raise NotConnected("Not connected")

    def _new_id(self) -> int:
        for _ in range(65535):
            self._next_id = self._next_id % 65535 + 1
            if self._next_id not in self._in_flight:
                return self._next_id
        raise LocalMqttError("no free packet id: 65535 packets in flight")

    def _request(self, build: Callable[[int], Packet], completes: str) -> int:
        self._check_open()
        pid = self._new_id()
        packet = build(pid)
        self._queue(packet)  # encode first: a bad packet leaves no id in flight
        self._in_flight[pid] = completes
        return pid

    def _queue(self, packet: Packet) -> None:
        self._outbox += encode(packet)

    # ---------------------------------------------------------------- bytes in and out

    def data_to_send(self, now: float) -> tuple[bytes, list[Event]]:
        """Everything queued, and the events due once it is written."""
        data, events = bytes(self._outbox), self._written
        self._outbox.clear()
        self._written = []
        if data:
            self._last_sent = now
        return data, events

    def receive_data(self, data: bytes | bytearray) -> list[Event]:
        """Feed bytes from the broker. Raises RemoteMqttError (the session is then CLOSED)."""
        if self.state is SessionState.CLOSED:
            return []
        try:
            packets = self._reader.feed(data)
            events: list[Event] = []
            for packet in packets:
                event = self._handle(packet)
                if event is not None:
                    events.append(event)
                if self.closed:  # a refusal: nothing after it counts
                    break
            return events
        except RemoteMqttError:
            self.state = SessionState.CLOSED
            raise

    def _handle(self, packet: Packet) -> Event | None:
        if self.state is SessionState.CONNECTING:
            if not isinstance(packet, ConnAck):
                raise RemoteMqttError(f"{type(packet).__name__} before CONNACK")
            if packet.return_code != 0:
                self.state = SessionState.CLOSED
                return Refused(packet.return_code)
            self.state = SessionState.CONNECTED
            return Connected(packet.session_present, 0)
        match packet:
            case Publish(topic, payload, qos, retain, dup, pid):
                if qos == 1 and pid is not None:
                    self._queue(PubAck(pid))
                elif qos == 2 and pid is not None:
                    self._queue(PubRec(pid))
                    if pid in self._inbound_qos2:
                        return None
                    self._inbound_qos2.add(pid)
                return MessageReceived(topic, payload, qos, retain, dup)
            case PubRel(pid):
                self._inbound_qos2.discard(pid)
                self._queue(PubComp(pid))
                return None
            case PubAck(pid):
                return Published(pid) if self._complete(pid, "puback") else None
            case PubRec(pid):
                if self._in_flight.get(pid) == "pubrec":
                    self._in_flight[pid] = "pubcomp"
                    self._queue(PubRel(pid))
                return None
            case PubComp(pid):
                return Published(pid) if self._complete(pid, "pubcomp") else None
            case SubAck(pid, codes):
                return Subscribed(pid, codes) if self._complete(pid, "suback") else None
            case UnsubAck(pid):
                return Unsubscribed(pid) if self._complete(pid, "unsuback") else None
            case PingResp():
                self._ping_sent = None
                return None
        raise RemoteMqttError(f"a broker does not send {type(packet).__name__}")

    def _complete(self, pid: int, expected: str) -> bool:
        """Acknowledgements of ids not in flight (or of another kind) are ignored."""
        if self._in_flight.get(pid) != expected:
            return False
        del self._in_flight[pid]
        return True

    # ---------------------------------------------------------------- keep-alive

    def poll(self, now: float) -> None:
        """Queue a PINGREQ when due; raise KeepAliveTimeout when the last one went unanswered."""
        if self.state is not SessionState.CONNECTED or not self.keep_alive:
            return
        if self._ping_sent is not None:
            if now - self._ping_sent >= self.keep_alive:
                self.state = SessionState.CLOSED
                raise KeepAliveTimeout("Keep alive timeout")
            return
        if self._last_sent is None or now - self._last_sent >= self.keep_alive:
            self._queue(PingReq())
            self._ping_sent = now

    def next_deadline(self) -> float | None:
        """When `poll` has something to do next (None: never, until something is sent)."""
        if self.state is not SessionState.CONNECTED or not self.keep_alive:
            return None
        if self._ping_sent is not None:
            return self._ping_sent + self.keep_alive
        if self._last_sent is None:
            return None
        return self._last_sent + self.keep_alive

    @property
    def closed(self) -> bool:
        return self.state is SessionState.CLOSED

    @property
    def in_flight(self) -> int:
        """Packets sent and not yet acknowledged."""
        return len(self._in_flight)
