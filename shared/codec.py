"""The worker wire: a sans-I/O codec for length-prefixed msgpack frames.

Theory of operation
-------------------
A channel carries frames. A frame is a 4-byte big-endian payload length, then that many bytes of
msgpack: an array `[kind, generation, field1, field2, ...]` in the field order of the message class
(`shared.messages`). No sockets, pipes, processes or trio live here: `encode` turns a message into
bytes; a `FrameDecoder` is fed bytes and hands out messages.

Invariants:
- Any byte string fed to a decoder gives messages or a `RemoteProtocolError`, never another
  exception, never a hang: a length over `MAX_FRAME` fails at once, and `feed_eof` on a partial frame
  fails as truncated.
- After a `RemoteProtocolError` the decoder is broken for good (sticky): a channel that sent one bad
  frame cannot be trusted to be in sync again.
- `encode` checks the message against its declared wire types: what it refuses is our bug
  (`LocalProtocolError`).

Lua values on the wire
----------------------
Values inside messages (Request params, Response results, Load options) are plain msgpack values.
The worker converts Lua values to them and back by these rules (worker/lua_values.py):

| Lua                                   | wire (msgpack)          | back in Lua                      |
|---------------------------------------|-------------------------|----------------------------------|
| nil                                   | nil                     | nil                              |
| boolean                               | bool                    | boolean                          |
| integer (5.3 subtype)                 | int                     | integer                          |
| float (2.0 stays a float)             | float64                 | float                            |
| string, valid UTF-8                   | str                     | string                           |
| string, not valid UTF-8 (binary)      | bin                     | string (same bytes)              |
| table with keys exactly 1..n, n >= 1  | array                   | table 1..n                       |
| the empty table `{}`                  | array of length 0       | `{}`                             |
| any other table (string keys, holes)  | map (int keys allowed)  | table with the same keys         |
| function, userdata, thread            | not sent: an error      |                                  |

So `{1, nil, 3}` (a hole) is the map `{1: 1, 3: 3}`, and the empty table is an empty array, as the
HC3's `json.encode({})` gives `[]`. Integer map keys survive (the unpacker allows non-string keys).
Cycles and nesting deeper than 200 are refused.
msgpack extension types (timestamps included) are not plain values: a frame holding one is a
RemoteProtocolError.
"""

from __future__ import annotations

import struct
from collections import deque
from typing import Any

import msgpack

from .errors import LocalProtocolError, RemoteProtocolError
from .messages import MESSAGE_TYPES, Message, field_names

__all__ = ["MAX_FRAME", "FrameDecoder", "decode_payload", "encode"]

#: The largest payload one frame may carry (a QuickApp's code, a big HTTP body).
MAX_FRAME = 64 * 1024 * 1024

_HEADER = struct.Struct(">I")
_FIELDS: dict[str, list[str]] = {kind: field_names(cls) for kind, cls in MESSAGE_TYPES.items()}


def encode(message: Message) -> bytes:
    """One frame for `message`. Raises LocalProtocolError if it cannot go on the wire."""
    cls = type(message)
    if MESSAGE_TYPES.get(cls.kind) is not cls:
        raise LocalProtocolError(f"not a wire message: {message!r}")
    _check_fields(message, LocalProtocolError)
    body = [cls.kind, message.generation]
    body.extend(getattr(message, name) for name in _FIELDS[cls.kind])
    try:
        payload = msgpack.packb(body, use_bin_type=True)
    except (TypeError, ValueError, OverflowError) as exc:
        raise LocalProtocolError(f"cannot encode {cls.kind}: {exc}") from exc
    if len(payload) > MAX_FRAME:
        raise LocalProtocolError(f"{cls.kind} frame of {len(payload)} bytes is over {MAX_FRAME}")
    return _HEADER.pack(len(payload)) + payload


def decode_payload(payload: bytes) -> Message:
    """The message in one frame's payload. Raises RemoteProtocolError on anything malformed."""
    try:
        body = msgpack.unpackb(
            payload, raw=False, strict_map_key=False, use_list=True, ext_hook=_refuse_ext
        )
    except Exception as exc:  # msgpack raises many types on garbage; all mean the same here
        raise RemoteProtocolError(f"undecodable frame: {exc.__class__.__name__}") from None
    # msgpack decodes the timestamp extension (type -1, byte 0xff) without calling ext_hook:
    # only a payload holding a 0xff byte can carry one, so only those are searched for it.
    if b"\xff" in payload and _has_timestamp(body):
        raise RemoteProtocolError("frame holds a msgpack timestamp, not a plain value")
    if not isinstance(body, list) or len(body) < 2:
        raise RemoteProtocolError("frame is not a [kind, generation, ...] array")
    kind, generation = body[0], body[1]
    cls = MESSAGE_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise RemoteProtocolError(f"unknown message kind {kind!r}")
    if type(generation) is not int:
        raise RemoteProtocolError(f"{kind}: generation is not an integer")
    names = _FIELDS[kind]
    values = body[2:]
    if len(values) != len(names):
        raise RemoteProtocolError(f"{kind}: expected {len(names)} fields, got {len(values)}")
    message = cls(generation, *values)
    _check_fields(message, RemoteProtocolError)
    return message


def _refuse_ext(code: int, data: bytes) -> Any:
    raise ValueError(f"msgpack extension type {code} is not a plain value")


def _has_timestamp(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, msgpack.Timestamp):
            return True
    return False


def _check_fields(message: Message, error: type[Exception]) -> None:
    if type(message.generation) is not int:
        raise error(f"{message.kind}: generation is not an integer")
    for name, types in message.wire_types.items():
        value = getattr(message, name)
        # bool is an int subclass: an int field must not accept True, nor a bool field 1
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise error(f"{message.kind}.{name}: {type(value).__name__} is not allowed")


class FrameDecoder:
    """Bytes in, messages out. Feed it what the pipe gave; iterate `messages()` after each feed."""

    __slots__ = ("_buffer", "_ready", "_broken")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._ready: deque[Message] = deque()
        self._broken: RemoteProtocolError | None = None

    def feed(self, data: bytes) -> None:
        """Add bytes. Complete frames are decoded now; a bad one raises RemoteProtocolError."""
        if self._broken is not None:
            raise self._broken
        self._buffer += data
        buf = self._buffer
        start = 0
        try:
            while len(buf) - start >= 4:
                (length,) = _HEADER.unpack_from(buf, start)
                if length > MAX_FRAME:
                    raise RemoteProtocolError(f"frame length {length} is over {MAX_FRAME}")
                end = start + 4 + length
                if len(buf) < end:
                    break
                self._ready.append(decode_payload(bytes(buf[start + 4 : end])))
                start = end
        except RemoteProtocolError as exc:
            self._broken = exc
            raise
        finally:
            if start:
                del buf[:start]

    def feed_eof(self) -> None:
        """The peer closed the channel: bytes of a partial frame left over are a truncation."""
        if self._broken is not None:
            raise self._broken
        if self._buffer:
            self._broken = RemoteProtocolError(
                f"channel closed inside a frame ({len(self._buffer)} bytes left)"
            )
            raise self._broken

    def next_message(self) -> Message | None:
        """The oldest decoded message not handed out yet, or None."""
        return self._ready.popleft() if self._ready else None

    def messages(self) -> list[Message]:
        """Every decoded message not handed out yet, oldest first."""
        out = list(self._ready)
        self._ready.clear()
        return out

    @property
    def buffered(self) -> int:
        """Bytes received that do not make a whole frame yet."""
        return len(self._buffer)


def pack_value(value: Any) -> bytes:
    """msgpack bytes of a plain value (used by tests and tools)."""
    return msgpack.packb(value, use_bin_type=True)
