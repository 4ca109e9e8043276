"""MQTT 3.1.1 control packets: frozen dataclasses and their wire encoding. No I/O.

Theory of operation
-------------------
Every packet is `fixed header | variable header | payload`. The fixed header is one byte (packet
type in the high nibble, flags in the low one) and the *remaining length*: a base-128 varint of at
most four bytes (so at most 268,435,455). `encode(packet)` gives the bytes of one packet;
`PacketReader` takes bytes as they arrive (any split) and gives whole packets back, in order.

- Strings are UTF-8 with a two-byte length prefix; binary fields (will payload, password) likewise;
  a PUBLISH payload is whatever is left of the packet.
- Encoding our own packet with a value the protocol cannot carry (QoS 3, packet id 0, a string
  over 65,535 bytes, an empty topic) raises `LocalMqttError`: a bug in the caller.
- Bytes that are not a valid packet (reserved flags set, a bad varint, a truncated body, a packet
  over `max_size`, an unknown type) raise `RemoteMqttError`; the reader then stays broken (every
  later call raises again), as a connection that sent garbage cannot be trusted again.

Errors:

    MqttError
     +-- LocalMqttError      we asked for something the protocol cannot express
     +-- RemoteMqttError     the peer sent bytes that are not MQTT 3.1.1
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "MAX_REMAINING_LENGTH",
    "ConnAck",
    "Connect",
    "Disconnect",
    "LocalMqttError",
    "MqttError",
    "Packet",
    "PacketReader",
    "PacketType",
    "PingReq",
    "PingResp",
    "PubAck",
    "PubComp",
    "PubRec",
    "PubRel",
    "Publish",
    "RemoteMqttError",
    "SubAck",
    "Subscribe",
    "UnsubAck",
    "Unsubscribe",
    "Will",
    "decode",
    "encode",
    "encode_remaining_length",
]

#: the largest remaining length four varint bytes can carry
MAX_REMAINING_LENGTH = 268_435_455
_MAX_FIELD = 65_535
#: SUBACK return code for a refused subscription
SUBACK_FAILURE = 0x80


class MqttError(Exception):
    """Base of the MQTT protocol errors."""


class LocalMqttError(MqttError):
    """We tried to encode something MQTT 3.1.1 cannot express."""


class RemoteMqttError(MqttError):
    """The peer sent bytes that are not a valid MQTT 3.1.1 packet."""


class PacketType(IntEnum):
    CONNECT = 1
    CONNACK = 2
    PUBLISH = 3
    PUBACK = 4
    PUBREC = 5
    PUBREL = 6
    PUBCOMP = 7
    SUBSCRIBE = 8
    SUBACK = 9
    UNSUBSCRIBE = 10
    UNSUBACK = 11
    PINGREQ = 12
    PINGRESP = 13
    DISCONNECT = 14


@dataclass(frozen=True, slots=True)
class Will:
    topic: str
    payload: bytes
    qos: int = 0
    retain: bool = False


@dataclass(frozen=True, slots=True)
class Connect:
    client_id: str
    keep_alive: int = 60
    clean_session: bool = True
    username: str | None = None
    password: bytes | None = None
    will: Will | None = None


@dataclass(frozen=True, slots=True)
class ConnAck:
    session_present: bool
    return_code: int


@dataclass(frozen=True, slots=True)
class Publish:
    topic: str
    payload: bytes
    qos: int = 0
    retain: bool = False
    dup: bool = False
    packet_id: int | None = None


@dataclass(frozen=True, slots=True)
class PubAck:
    packet_id: int


@dataclass(frozen=True, slots=True)
class PubRec:
    packet_id: int


@dataclass(frozen=True, slots=True)
class PubRel:
    packet_id: int


@dataclass(frozen=True, slots=True)
class PubComp:
    packet_id: int


@dataclass(frozen=True, slots=True)
class Subscribe:
    packet_id: int
    topics: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class SubAck:
    packet_id: int
    return_codes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    packet_id: int
    topics: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UnsubAck:
    packet_id: int


@dataclass(frozen=True, slots=True)
class PingReq:
    pass


@dataclass(frozen=True, slots=True)
class PingResp:
    pass


@dataclass(frozen=True, slots=True)
class Disconnect:
    pass


Packet = (
    Connect
    | ConnAck
    | Publish
    | PubAck
    | PubRec
    | PubRel
    | PubComp
    | Subscribe
    | SubAck
    | Unsubscribe
    | UnsubAck
    | PingReq
    | PingResp
    | Disconnect
)

# ---------------------------------------------------------------------------------- encoding


def encode_remaining_length(length: int) -> bytes:
    """The varint of a remaining length (1 to 4 bytes)."""
    if not 0 <= length <= MAX_REMAINING_LENGTH:
        raise LocalMqttError(f"packet too large: {length} bytes")
    out = bytearray()
    while True:
        byte, length = length % 128, length // 128
        out.append(byte | 0x80 if length else byte)
        if not length:
            return bytes(out)


def _binary(data: bytes, what: str) -> bytes:
    if len(data) > _MAX_FIELD:
        raise LocalMqttError(f"{what} longer than {_MAX_FIELD} bytes")
    return len(data).to_bytes(2, "big") + data


def _string(text: str, what: str) -> bytes:
    return _binary(text.encode("utf-8"), what)


def _check_qos(qos: int) -> int:
    if qos not in (0, 1, 2):
        raise LocalMqttError(f"QoS must be 0, 1 or 2, not {qos!r}")
    return qos


def _packet_id(packet_id: int | None) -> bytes:
    if packet_id is None or not 1 <= packet_id <= _MAX_FIELD:
        raise LocalMqttError(f"packet id must be 1..65535, not {packet_id!r}")
    return packet_id.to_bytes(2, "big")


def _topic(topic: str) -> bytes:
    if not topic:
        raise LocalMqttError("a topic must not be empty")
    return _string(topic, "topic")


def _frame(kind: PacketType, flags: int, body: bytes) -> bytes:
    return bytes((kind << 4 | flags,)) + encode_remaining_length(len(body)) + body


def encode(packet: Packet) -> bytes:
    """The wire bytes of one packet. Raises LocalMqttError."""
    match packet:
        case Connect():
            return _encode_connect(packet)
        case ConnAck(session_present, return_code):
            return _frame(PacketType.CONNACK, 0, bytes((int(session_present), return_code)))
        case Publish():
            qos = _check_qos(packet.qos)
            flags = packet.dup << 3 | qos << 1 | int(packet.retain)
            body = _topic(packet.topic)
            if qos:
                body += _packet_id(packet.packet_id)
            return _frame(PacketType.PUBLISH, flags, body + packet.payload)
        case PubAck(pid):
            return _frame(PacketType.PUBACK, 0, _packet_id(pid))
        case PubRec(pid):
            return _frame(PacketType.PUBREC, 0, _packet_id(pid))
        case PubRel(pid):
            return _frame(PacketType.PUBREL, 0b0010, _packet_id(pid))
        case PubComp(pid):
            return _frame(PacketType.PUBCOMP, 0, _packet_id(pid))
        case Subscribe(pid, topics):
            if not topics:
                raise LocalMqttError("SUBSCRIBE needs at least one topic filter")
            body = _packet_id(pid) + b"".join(
                _topic(topic) + bytes((_check_qos(qos),)) for topic, qos in topics
            )
            return _frame(PacketType.SUBSCRIBE, 0b0010, body)
        case SubAck(pid, codes):
            return _frame(PacketType.SUBACK, 0, _packet_id(pid) + bytes(codes))
        case Unsubscribe(pid, topics):
            if not topics:
                raise LocalMqttError("UNSUBSCRIBE needs at least one topic filter")
            body = _packet_id(pid) + b"".join(_topic(topic) for topic in topics)
            return _frame(PacketType.UNSUBSCRIBE, 0b0010, body)
        case UnsubAck(pid):
            return _frame(PacketType.UNSUBACK, 0, _packet_id(pid))
        case PingReq():
            return _frame(PacketType.PINGREQ, 0, b"")
        case PingResp():
            return _frame(PacketType.PINGRESP, 0, b"")
        case Disconnect():
            return _frame(PacketType.DISCONNECT, 0, b"")
    raise LocalMqttError(f"not an MQTT packet: {packet!r}")


def _encode_connect(packet: Connect) -> bytes:
    if not 0 <= packet.keep_alive <= _MAX_FIELD:
        raise LocalMqttError(f"keep alive must be 0..65535 seconds, not {packet.keep_alive}")
    if packet.password is not None and packet.username is None:
        raise LocalMqttError("MQTT 3.1.1 sends a password only with a user name")
    flags = 0
    payload = _string(packet.client_id, "client id")
    if packet.will is not None:
        will = packet.will
        flags |= 0x04 | _check_qos(will.qos) << 3 | will.retain << 5
        payload += _topic(will.topic) + _binary(will.payload, "will payload")
    if packet.username is not None:
        flags |= 0x80
        payload += _string(packet.username, "user name")
    if packet.password is not None:
        flags |= 0x40
        payload += _binary(packet.password, "password")
    if packet.clean_session:
        flags |= 0x02
    header = _string("MQTT", "protocol name") + bytes((4, flags))
    header += packet.keep_alive.to_bytes(2, "big")
    return _frame(PacketType.CONNECT, 0, header + payload)


# ---------------------------------------------------------------------------------- decoding


class _Body:
    """A cursor over one packet's body; every short read is a RemoteMqttError."""

    def __init__(self, data: bytes, kind: PacketType) -> None:
        self.data = data
        self.at = 0
        self.kind = kind

    def take(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise RemoteMqttError(f"{self.kind.name} packet is truncated")
        chunk = self.data[self.at : self.at + n]
        self.at += n
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int.from_bytes(self.take(2), "big")

    def packet_id(self) -> int:
        pid = self.u16()
        if pid == 0:
            raise RemoteMqttError(f"{self.kind.name} with packet id 0")
        return pid

    def binary(self) -> bytes:
        return self.take(self.u16())

    def string(self) -> str:
        raw = self.binary()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise RemoteMqttError(f"{self.kind.name}: a string is not UTF-8") from None
        if "\x00" in text:
            raise RemoteMqttError(f"{self.kind.name}: a string contains U+0000")
        return text

    def rest(self) -> bytes:
        chunk = self.data[self.at :]
        self.at = len(self.data)
        return chunk

    def more(self) -> bool:
        return self.at < len(self.data)

    def end(self) -> None:
        if self.more():
            raise RemoteMqttError(
                f"{self.kind.name} packet has {len(self.data) - self.at} extra bytes"
            )


#: the only flags MQTT 3.1.1 allows in each fixed header (PUBLISH: any, checked apart)
_FLAGS = {
    PacketType.PUBREL: 0b0010,
    PacketType.SUBSCRIBE: 0b0010,
    PacketType.UNSUBSCRIBE: 0b0010,
}


def decode(first_byte: int, body: bytes) -> Packet:
    """One packet from its fixed header's first byte and its body. Raises RemoteMqttError."""
    try:
        kind = PacketType(first_byte >> 4)
    except ValueError:
        raise RemoteMqttError(f"unknown packet type {first_byte >> 4}") from None
    flags = first_byte & 0x0F
    if kind is not PacketType.PUBLISH and flags != _FLAGS.get(kind, 0):
        raise RemoteMqttError(f"{kind.name} with reserved flags {flags:#06b}")
    b = _Body(body, kind)
    packet: Packet
    match kind:
        case PacketType.CONNECT:
            packet = _decode_connect(b)
        case PacketType.CONNACK:
            ack = b.byte()
            if ack & 0xFE:
                raise RemoteMqttError("CONNACK with reserved acknowledge flags")
            packet = ConnAck(bool(ack & 1), b.byte())
        case PacketType.PUBLISH:
            qos = flags >> 1 & 0b11
            if qos == 3:
                raise RemoteMqttError("PUBLISH with QoS 3")
            topic = b.string()
            pid = b.packet_id() if qos else None
            return Publish(topic, b.rest(), qos, bool(flags & 1), bool(flags & 0b1000), pid)
        case PacketType.PUBACK:
            packet = PubAck(b.packet_id())
        case PacketType.PUBREC:
            packet = PubRec(b.packet_id())
        case PacketType.PUBREL:
            packet = PubRel(b.packet_id())
        case PacketType.PUBCOMP:
            packet = PubComp(b.packet_id())
        case PacketType.SUBSCRIBE:
            pid = b.packet_id()
            topics: list[tuple[str, int]] = []
            while b.more():
                topic = b.string()
                qos = b.byte()
                if qos > 2:
                    raise RemoteMqttError("SUBSCRIBE with a requested QoS over 2")
                topics.append((topic, qos))
            if not topics:
                raise RemoteMqttError("SUBSCRIBE without a topic filter")
            packet = Subscribe(pid, tuple(topics))
        case PacketType.SUBACK:
            pid = b.packet_id()
            codes = tuple(b.rest())
            if not codes or any(c not in (0, 1, 2, SUBACK_FAILURE) for c in codes):
                raise RemoteMqttError("SUBACK with missing or invalid return codes")
            packet = SubAck(pid, codes)
        case PacketType.UNSUBSCRIBE:
            pid = b.packet_id()
            names: list[str] = []
            while b.more():
                names.append(b.string())
            if not names:
                raise RemoteMqttError("UNSUBSCRIBE without a topic filter")
            packet = Unsubscribe(pid, tuple(names))
        case PacketType.UNSUBACK:
            packet = UnsubAck(b.packet_id())
        case PacketType.PINGREQ:
            packet = PingReq()
        case PacketType.PINGRESP:
            packet = PingResp()
        case PacketType.DISCONNECT:
            packet = Disconnect()
    b.end()
    return packet


def _decode_connect(b: _Body) -> Connect:
    if b.string() != "MQTT" or b.byte() != 4:
        raise RemoteMqttError("CONNECT is not MQTT 3.1.1")
    flags = b.byte()
    if flags & 0x01:
        raise RemoteMqttError("CONNECT with the reserved flag set")
    keep_alive = b.u16()
    client_id = b.string()
    will = None
    if flags & 0x04:
        topic = b.string()
        will = Will(topic, b.binary(), flags >> 3 & 0b11, bool(flags & 0x20))
    username = b.string() if flags & 0x80 else None
    password = b.binary() if flags & 0x40 else None
    return Connect(client_id, keep_alive, bool(flags & 0x02), username, password, will)


class PacketReader:
    """Bytes in (any split), whole packets out. `max_size` bounds one packet's remaining length."""

    def __init__(self, max_size: int = MAX_REMAINING_LENGTH) -> None:
        self.max_size = max_size
        self._buffer = bytearray()
        self._broken: RemoteMqttError | None = None

    def feed(self, data: bytes | bytearray) -> list[Packet]:
        """Add received bytes; every packet now complete, in order. Raises RemoteMqttError."""
        if self._broken is not None:
            raise self._broken
        self._buffer += data
        packets: list[Packet] = []
        try:
            while (packet := self._next()) is not None:
                packets.append(packet)
        except RemoteMqttError as exc:
            self._broken = exc
            raise
        return packets

    def _next(self) -> Packet | None:
        buffer = self._buffer
        length = 0
        for i in range(1, 5):
            if i >= len(buffer):
                return None
            byte = buffer[i]
            length |= (byte & 0x7F) << (7 * (i - 1))
            if not byte & 0x80:
                break
        else:
            raise RemoteMqttError("remaining length longer than four bytes")
        if length > self.max_size:
            raise RemoteMqttError(f"packet of {length} bytes is over the limit of {self.max_size}")
        start = i + 1
        if len(buffer) < start + length:
            return None
        first, body = buffer[0], bytes(buffer[start : start + length])
        del buffer[: start + length]
        return decode(first, body)
