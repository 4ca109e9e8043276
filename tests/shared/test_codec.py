"""The worker wire codec (plua2.shared.codec): round trips, framing, errors, and fuzzing.

Pure code: no processes, no trio, no timing. Property tests feed the decoder thousands of random,
truncated and mutated byte strings and check that the only exception it ever raises is
RemoteProtocolError, and that a decoder in error stays in error (sticky).
"""

from __future__ import annotations

import math
import random
import struct
from typing import Any

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plua2.shared import codec
from plua2.shared.codec import MAX_FRAME, FrameDecoder, decode_payload, encode
from plua2.shared.errors import LocalProtocolError, ProtocolError, RemoteProtocolError
from plua2.shared.messages import (
    MESSAGE_TYPES,
    PROTOCOL_VERSION,
    Clock,
    Error,
    Hello,
    Idle,
    Load,
    Log,
    Message,
    Ping,
    Pong,
    Ready,
    Request,
    Response,
    Shutdown,
    field_names,
)

SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
FUZZ = settings(max_examples=3000, deadline=None, suppress_health_check=SUPPRESS)

# A Lua-like value as it crosses the wire: nil, booleans, integers (Lua 5.3 range), floats (no NaN:
# NaN != NaN), UTF-8 strings, binary strings, arrays, and maps with string or integer keys.
lua_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary()
)
lua_values = st.recursive(
    lua_scalars,
    lambda children: (
        st.lists(children, max_size=6)
        | st.dictionaries(st.text(max_size=8) | st.integers(-1000, 1000), children, max_size=6)
    ),
    max_leaves=30,
)
generations = st.integers(min_value=0, max_value=2**32)
texts = st.text(max_size=200)

messages: st.SearchStrategy[Message] = st.one_of(
    st.builds(Hello, generations, st.integers(0, 2**16), st.integers(1, 2**22)),
    st.builds(Ready, generations),
    st.builds(Ping, generations, st.integers(0, 2**63 - 1)),
    st.builds(Pong, generations, st.integers(0, 2**63 - 1)),
    st.builds(Shutdown, generations),
    st.builds(
        Log,
        generations,
        st.sampled_from(["print", "debug", "trace", "warning", "error"]),
        texts,
        texts,
    ),
    st.builds(
        Error,
        generations,
        st.sampled_from(["load", "init", "callback", "budget", "memory"]),
        texts,
        texts,
    ),
    st.builds(
        Load,
        generations,
        st.text() | st.binary(),
        texts,
        st.dictionaries(st.text(max_size=10), lua_values, max_size=5),
    ),
    st.builds(
        Request,
        generations,
        st.integers(0, 2**31),
        st.text(max_size=30),
        st.lists(lua_values, max_size=5),
    ),
    st.builds(Response, generations, st.integers(0, 2**31), st.booleans(), lua_values),
)


def frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


def decode_all(data: bytes, *, eof: bool = True) -> list[Message]:
    decoder = FrameDecoder()
    decoder.feed(data)
    if eof:
        decoder.feed_eof()
    return decoder.messages()


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same type all the way down (1 vs 1.0 vs True, str vs bytes)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def same_message(a: Message, b: Message) -> bool:
    return type(a) is type(b) and all(
        same(getattr(a, name), getattr(b, name)) for name in ["generation", *field_names(type(a))]
    )


# --- round trips -----------------------------------------------------------------------------

EXAMPLES: list[Message] = [
    Hello(1, PROTOCOL_VERSION, 4242),
    Ready(1),
    Ping(7, 0),
    Pong(7, 2**63 - 1),
    Shutdown(0),
    Log(3, "print", "héllo wörld ✓ 🚀"),
    Log(3, "debug", "x", tag="QA_5000"),
    Error(2, "callback", "boom", 'stack traceback:\n\t[string "=qa"]:1: in main chunk'),
    Load(1, "print('hi')", "=main", {}),
    Load(1, b"\x1bLua\x53\x00binary chunk", "=bin", {"memory": 64 * 2**20, "budget": 2.5}),
    Request(4, 0, "notify", []),
    Request(4, 17, "api.get", ["/devices", {"id": 1}]),
    Response(4, 17, True, None),
    Response(4, 17, False, "not found"),
    Clock(5, 3, 1_798_934_400.0, 12345.25, 0.0, -1_798_922_054.75, math.inf),
    Idle(5, 12, 1_798_934_400.5, None),
    Idle(5, 13, 1_798_934_400.5, 1_798_960_000.0),
]


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: m.kind)
def test_every_example_message_round_trips(message: Message) -> None:
    (back,) = decode_all(encode(message))
    assert same_message(back, message)


def test_examples_cover_every_message_type() -> None:
    assert {type(m) for m in EXAMPLES} == set(MESSAGE_TYPES.values())


def test_lua_like_values_keep_their_shape() -> None:
    value = {
        "int_keyed": {1: "a", 3: "c", -2: "neg"},  # a table with nil holes: an int-keyed map
        "array": [1, 2, 3],
        "empty": [],  # the empty table is an empty array
        "float_two": 2.0,  # stays a float
        "int_two": 2,  # stays an integer
        "big_float": 2.0**53,
        "min_int": -(2**63),
        "max_int": 2**63 - 1,
        "unicode": "ÆØÅ 中文 \u0000 nul inside",
        "binary": b"\xff\xfe\x00\x80",
        "nested": [{"a": [[], {}, [{"deep": [1.5, None, True, False]}]]}],
        "bool_vs_int": [True, 1, False, 0],
    }
    (back,) = decode_all(encode(Response(9, 1, True, value)))
    assert isinstance(back, Response)
    assert same(back.result, value)
    assert type(back.result["float_two"]) is float
    assert type(back.result["int_two"]) is int
    assert type(back.result["binary"]) is bytes
    assert back.result["bool_vs_int"][0] is True


@given(messages)
@settings(max_examples=1000, deadline=None, suppress_health_check=SUPPRESS)
def test_any_message_round_trips(message: Message) -> None:
    (back,) = decode_all(encode(message))
    assert same_message(back, message)


# --- framing ---------------------------------------------------------------------------------


def test_frames_fed_byte_by_byte() -> None:
    stream = b"".join(encode(m) for m in EXAMPLES)
    decoder = FrameDecoder()
    out: list[Message] = []
    for i in range(len(stream)):
        decoder.feed(stream[i : i + 1])
        out.extend(decoder.messages())
    decoder.feed_eof()
    assert decoder.buffered == 0
    assert len(out) == len(EXAMPLES)
    assert all(same_message(a, b) for a, b in zip(out, EXAMPLES, strict=True))


@given(st.lists(messages, min_size=1, max_size=8), st.randoms(use_true_random=False))
@settings(max_examples=300, deadline=None, suppress_health_check=SUPPRESS)
def test_frames_fed_in_random_chunks(batch: list[Message], rnd: random.Random) -> None:
    stream = b"".join(encode(m) for m in batch)
    decoder = FrameDecoder()
    out: list[Message] = []
    i = 0
    while i < len(stream):
        n = rnd.randint(0, 40)  # empty feeds too
        decoder.feed(stream[i : i + n])
        i += n
        while (m := decoder.next_message()) is not None:
            out.append(m)
    decoder.feed_eof()
    assert len(out) == len(batch)
    assert all(same_message(a, b) for a, b in zip(out, batch, strict=True))


def test_partial_frame_waits_for_more_bytes() -> None:
    data = encode(Ping(1, 5))
    decoder = FrameDecoder()
    decoder.feed(data[:-1])
    assert decoder.messages() == []
    assert decoder.buffered == len(data) - 1
    decoder.feed(data[-1:])
    assert decoder.messages() == [Ping(1, 5)]
    assert decoder.buffered == 0


def test_empty_feed_and_clean_eof() -> None:
    decoder = FrameDecoder()
    decoder.feed(b"")
    decoder.feed_eof()
    assert decoder.messages() == []


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("cut", [1, 3, 4, 5])
def test_truncated_frame_at_eof_is_remote_error(cut: int) -> None:
    data = encode(Log(1, "print", "hello"))
    decoder = FrameDecoder()
    decoder.feed(data[:cut])
    with pytest.raises(RemoteProtocolError, match="closed inside a frame"):
        decoder.feed_eof()
    with pytest.raises(RemoteProtocolError):  # sticky
        decoder.feed(data[cut:])


def test_oversized_length_is_rejected_without_waiting_for_the_bytes() -> None:
    decoder = FrameDecoder()
    with pytest.raises(RemoteProtocolError, match="over"):
        decoder.feed(struct.pack(">I", MAX_FRAME + 1))
    decoder = FrameDecoder()
    with pytest.raises(RemoteProtocolError):
        decoder.feed(b"\xff\xff\xff\xff")


def test_length_at_the_limit_waits() -> None:
    decoder = FrameDecoder()
    decoder.feed(struct.pack(">I", MAX_FRAME) + b"\x00" * 10)
    assert decoder.messages() == []
    with pytest.raises(RemoteProtocolError):
        decoder.feed_eof()


def test_error_is_sticky_after_a_bad_frame() -> None:
    good = encode(Ping(1, 1))
    decoder = FrameDecoder()
    decoder.feed(good)
    with pytest.raises(RemoteProtocolError) as first:
        decoder.feed(frame(b"\xc1"))  # 0xc1 is never valid msgpack
    assert decoder.messages() == [Ping(1, 1)]  # what came before the bad frame is kept
    for action in (lambda: decoder.feed(good), decoder.feed_eof, lambda: decoder.feed(b"")):
        with pytest.raises(RemoteProtocolError) as again:
            action()
        assert again.value is first.value
    assert decoder.messages() == []


def test_good_frames_before_a_bad_one_in_the_same_feed_are_kept() -> None:
    decoder = FrameDecoder()
    with pytest.raises(RemoteProtocolError):
        decoder.feed(encode(Ping(1, 1)) + encode(Pong(1, 2)) + frame(b"garbage"))
    assert decoder.messages() == [Ping(1, 1), Pong(1, 2)]


BAD_PAYLOADS = {
    "not msgpack": b"\xc1",
    "empty payload": b"",
    "trailing bytes": msgpack.packb(["ready", 1]) + b"\x00",
    "not an array": msgpack.packb({"kind": "ready"}),
    "too short": msgpack.packb(["ready"]),
    "unknown kind": msgpack.packb(["launch", 1]),
    "kind not a string": msgpack.packb([1, 1]),
    "kind as bytes": msgpack.packb([b"ready", 1], use_bin_type=True),
    "generation float": msgpack.packb(["ready", 1.0]),
    "generation bool": msgpack.packb(["ready", True]),
    "generation string": msgpack.packb(["ready", "1"]),
    "too few fields": msgpack.packb(["ping", 1]),
    "too many fields": msgpack.packb(["ping", 1, 2, 3]),
    "seq float": msgpack.packb(["ping", 1, 2.0]),
    "seq bool": msgpack.packb(["pong", 1, False]),
    "ok as int": msgpack.packb(["response", 1, 5, 1, None]),
    "log text bytes": msgpack.packb(["log", 1, "print", b"x", ""], use_bin_type=True),
    "params a map": msgpack.packb(["request", 1, 1, "m", {}]),
    "options an array": msgpack.packb(["load", 1, "", "=x", []]),
    "invalid utf-8 str": b"\x92\xa5ready\x01".replace(b"ready", b"\xff\xfe\xfd\xfc\xfb"),
    "unhashable map key": msgpack.packb(["response", 1, 5, True, {(1, 2): 3}]),
    "ext type": msgpack.packb(["response", 1, 5, True, msgpack.ExtType(5, b"xx")]),
    "timestamp ext": msgpack.packb(["response", 1, 5, True, msgpack.Timestamp(1, 0)]),
    "ext deep inside": msgpack.packb(["request", 1, 5, "m", [{"a": [msgpack.ExtType(1, b"")]}]]),
    "timestamp deep inside": msgpack.packb(["load", 1, "", "=x", {"t": [msgpack.Timestamp(0, 5)]}]),
    "timestamp as map key": msgpack.packb(["response", 1, 5, True, {msgpack.Timestamp(1, 0): 1}]),
    "array length lies": b"\xdd\xff\xff\xff\xff",
    "very deep nesting": b"\x91" * 100_000 + b"\xc0",
}


@pytest.mark.parametrize("payload", BAD_PAYLOADS.values(), ids=BAD_PAYLOADS.keys())
def test_bad_payload_is_remote_error(payload: bytes) -> None:
    with pytest.raises(RemoteProtocolError):
        decode_payload(payload)
    decoder = FrameDecoder()
    with pytest.raises(RemoteProtocolError):
        decoder.feed(frame(payload))


def test_error_tree() -> None:
    assert issubclass(LocalProtocolError, ProtocolError)
    assert issubclass(RemoteProtocolError, ProtocolError)
    assert not issubclass(RemoteProtocolError, LocalProtocolError)


# --- encode refuses what the wire cannot carry -----------------------------------------------


class NotAWireValue:
    pass


BAD_MESSAGES: dict[str, Message] = {
    "bool as int (seq)": Ping(1, True),  # type: ignore[arg-type]
    "float as int (seq)": Pong(1, 1.0),  # type: ignore[arg-type]
    "str as int (pid)": Hello(1, 1, "42"),  # type: ignore[arg-type]
    "bool generation": Ready(True),
    "float generation": Shutdown(1.0),  # type: ignore[arg-type]
    "None generation": Ready(None),  # type: ignore[arg-type]
    "int as bool (ok)": Response(1, 1, 1, None),  # type: ignore[arg-type]
    "bytes as str (text)": Log(1, "print", b"raw"),  # type: ignore[arg-type]
    "None as str (level)": Log(1, None, "x"),  # type: ignore[arg-type]
    "int as str (where)": Error(1, 3, "m"),  # type: ignore[arg-type]
    "list as dict (options)": Load(1, "", "=x", []),  # type: ignore[arg-type]
    "int as source": Load(1, 5, "=x", {}),  # type: ignore[arg-type]
    "tuple as list (params)": Request(1, 1, "m", (1, 2)),  # type: ignore[arg-type]
    "object in result": Response(1, 1, True, NotAWireValue()),
    "set in params": Request(1, 1, "m", [{1, 2}]),
    "function in options": Load(1, "", "=x", {"f": print}),
    "int too big": Response(1, 1, True, 2**64),
    "seq too big": Ping(1, 2**64),
}


@pytest.mark.parametrize("message", BAD_MESSAGES.values(), ids=BAD_MESSAGES.keys())
def test_encode_refuses_wrong_types(message: Message) -> None:
    with pytest.raises(LocalProtocolError):
        encode(message)


def test_encode_refuses_a_subclass_and_a_non_message() -> None:
    class MyPing(Ping):
        pass

    with pytest.raises(LocalProtocolError):
        encode(MyPing(1, 1))
    with pytest.raises((LocalProtocolError, AttributeError)):
        encode("ping")  # type: ignore[arg-type]


def test_encode_refuses_a_cycle() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(LocalProtocolError):
        encode(Response(1, 1, True, loop))


def test_encode_refuses_an_oversized_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codec, "MAX_FRAME", 100)
    with pytest.raises(LocalProtocolError, match="over"):
        encode(Log(1, "print", "x" * 200))


# --- fuzzing: only RemoteProtocolError, never another exception, never a hang -----------------


def assert_plain(value: Any) -> None:
    """Only the plain values of the wire rules: no msgpack extension object gets through."""
    if isinstance(value, list):
        for item in value:
            assert_plain(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            assert_plain(key)
            assert_plain(item)
    else:
        assert value is None or type(value) in (bool, int, float, str, bytes), repr(value)


def feed_fuzz(chunks: list[bytes]) -> None:
    """Feed chunks then EOF; any failure must be RemoteProtocolError, and sticky."""
    decoder = FrameDecoder()
    failure: RemoteProtocolError | None = None
    for chunk in [*chunks, None]:
        try:
            if chunk is None:
                decoder.feed_eof()
            else:
                decoder.feed(chunk)
        except RemoteProtocolError as exc:
            if failure is not None:
                assert exc is failure, "a broken decoder must keep raising the same error"
            failure = exc
        else:
            assert failure is None, "a broken decoder accepted more input"
        for message in decoder.messages():
            assert isinstance(message, Message)
            assert MESSAGE_TYPES[message.kind] is type(message)
            for name in ["generation", *field_names(type(message))]:
                assert_plain(getattr(message, name))
    assert decoder.buffered <= sum(len(c) for c in chunks)


@given(st.binary(max_size=2000))
@FUZZ
def test_fuzz_random_bytes(data: bytes) -> None:
    feed_fuzz([data])


@given(st.binary(max_size=500))
@FUZZ
def test_fuzz_random_payload_in_a_valid_frame(payload: bytes) -> None:
    feed_fuzz([frame(payload)])
    try:
        decode_payload(payload)
    except RemoteProtocolError:
        pass


@given(st.lists(st.binary(max_size=64), max_size=20))
@FUZZ
def test_fuzz_random_chunks(chunks: list[bytes]) -> None:
    feed_fuzz(chunks)


@given(st.lists(messages, min_size=1, max_size=4), st.data())
@FUZZ
def test_fuzz_truncated_valid_frames(batch: list[Message], data: st.DataObject) -> None:
    stream = b"".join(encode(m) for m in batch)
    cut = data.draw(st.integers(0, len(stream) - 1), label="cut")
    decoder = FrameDecoder()
    decoder.feed(stream[:cut])  # a prefix of valid frames never fails by itself
    if cut == 0:
        decoder.feed_eof()
        return
    whole = decoder.messages()
    assert len(whole) < len(batch)
    if decoder.buffered:
        with pytest.raises(RemoteProtocolError):
            decoder.feed_eof()
    else:
        decoder.feed_eof()


@given(messages, st.data())
@FUZZ
def test_fuzz_mutated_valid_frames(message: Message, data: st.DataObject) -> None:
    raw = bytearray(encode(message))
    for _ in range(data.draw(st.integers(1, 6), label="mutations")):
        op = data.draw(st.sampled_from(["flip", "set", "insert", "delete"]), label="op")
        pos = data.draw(st.integers(0, max(len(raw) - 1, 0)), label="pos")
        if op == "flip" and raw:
            raw[pos] ^= 1 << data.draw(st.integers(0, 7), label="bit")
        elif op == "set" and raw:
            raw[pos] = data.draw(st.integers(0, 255), label="byte")
        elif op == "insert":
            raw[pos:pos] = data.draw(st.binary(min_size=1, max_size=8), label="insert")
        elif op == "delete" and raw:
            del raw[pos : pos + data.draw(st.integers(1, 8), label="n")]
    feed_fuzz([bytes(raw)])


@given(st.lists(st.sampled_from(list(BAD_PAYLOADS.values())) | st.binary(max_size=40), max_size=5))
@FUZZ
def test_fuzz_frames_of_bad_payloads_mixed_with_good_frames(payloads: list[bytes]) -> None:
    stream = b"".join(frame(p) + encode(Ping(1, i)) for i, p in enumerate(payloads))
    feed_fuzz([stream])


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(),
        lambda c: (
            st.lists(c, max_size=4)
            | st.dictionaries(st.text(max_size=4) | st.integers(), c, max_size=4)
        ),
        max_leaves=20,
    ),
    st.sampled_from(sorted(MESSAGE_TYPES)),
    st.integers(0, 4),
)
@FUZZ
def test_fuzz_well_formed_msgpack_with_wrong_shapes(value: Any, kind: str, nfields: int) -> None:
    """Valid msgpack arrays that name a real kind but carry random fields: a message or an error."""
    body = [kind, 1, *([value] * nfields)]
    try:
        payload = msgpack.packb(body, use_bin_type=True)
    except (OverflowError, ValueError, TypeError):
        return
    feed_fuzz([frame(payload)])
