"""The MQTT 3.1.1 packet codec (worker/net_mqtt_packets.py): pure, no sockets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from plua2.worker.net_mqtt_packets import (
    MAX_REMAINING_LENGTH,
    ConnAck,
    Connect,
    Disconnect,
    LocalMqttError,
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
    Will,
    decode,
    encode,
    encode_remaining_length,
)


def one(data: bytes) -> Packet:
    packets = PacketReader().feed(data)
    assert len(packets) == 1
    return packets[0]


@pytest.mark.parametrize(
    ("length", "wire"),
    [
        (0, "00"),
        (127, "7f"),
        (128, "8001"),
        (16_383, "ff7f"),
        (16_384, "808001"),
        (2_097_151, "ffff7f"),
        (2_097_152, "80808001"),
        (268_435_455, "ffffff7f"),
    ],
)
def test_remaining_length_matches_the_spec_table(length: int, wire: str) -> None:
    assert encode_remaining_length(length).hex() == wire


def test_remaining_length_over_four_bytes_is_refused_both_ways() -> None:
    with pytest.raises(LocalMqttError):
        encode_remaining_length(MAX_REMAINING_LENGTH + 1)
    with pytest.raises(RemoteMqttError, match="four bytes"):
        PacketReader().feed(bytes.fromhex("30ffffffff01"))


def test_connect_minimal_bytes() -> None:
    wire = encode(Connect("a", keep_alive=60))
    assert wire == bytes.fromhex("100d00044d5154540402003c000161")
    assert one(wire) == Connect("a", keep_alive=60)


def test_connect_with_will_user_and_password_round_trips() -> None:
    packet = Connect(
        "qa-5000",
        keep_alive=30,
        clean_session=False,
        username="user",
        password=b"\x00secret",
        will=Will("hc3/status", b"offline", qos=1, retain=True),
    )
    wire = encode(packet)
    assert (
        wire[9] == 0x80 | 0x40 | 0x20 | 0x08 | 0x04
    )  # flags: user, password, will retain/QoS1/will
    assert one(wire) == packet


def test_connect_password_without_user_name_is_a_local_error() -> None:
    with pytest.raises(LocalMqttError):
        encode(Connect("a", password=b"x"))


def test_publish_qos1_bytes_and_flags() -> None:
    wire = encode(Publish("a/b", b"hi", qos=1, packet_id=10))
    assert wire == bytes.fromhex("3209" + "0003612f62" + "000a" + "6869")
    retained = encode(Publish("t", b"", qos=0, retain=True, dup=False))
    assert retained[0] == 0x31
    assert one(retained) == Publish("t", b"", qos=0, retain=True)


def test_publish_qos0_has_no_packet_id_and_qos1_needs_one() -> None:
    assert encode(Publish("t", b"x")) == bytes.fromhex("3004000174") + b"x"
    with pytest.raises(LocalMqttError, match="packet id"):
        encode(Publish("t", b"x", qos=1))
    with pytest.raises(LocalMqttError, match="QoS"):
        encode(Publish("t", b"x", qos=3, packet_id=1))
    with pytest.raises(LocalMqttError, match="empty"):
        encode(Publish("", b"x"))


@pytest.mark.parametrize(
    ("packet", "wire"),
    [
        (ConnAck(True, 0), "20020100"),
        (ConnAck(False, 5), "20020005"),
        (PubAck(1), "40020001"),
        (PubRec(2), "50020002"),
        (PubRel(5), "62020005"),
        (PubComp(65535), "7002ffff"),
        (Subscribe(1, (("a", 1),)), "8206000100016101"),
        (SubAck(1, (1, 0x80)), "900400010180"),
        (Unsubscribe(3, ("a", "b")), "a2080003000161000162"),
        (UnsubAck(3), "b0020003"),
        (PingReq(), "c000"),
        (PingResp(), "d000"),
        (Disconnect(), "e000"),
    ],
)
def test_control_packets_bytes_and_round_trip(packet: Packet, wire: str) -> None:
    assert encode(packet).hex() == wire
    assert one(bytes.fromhex(wire)) == packet


def test_reader_takes_packets_split_anywhere_and_several_at_once() -> None:
    packets: list[Packet] = [
        ConnAck(False, 0),
        Publish("sensors/temp", b"21.5" * 100, qos=2, packet_id=7),
        PingResp(),
        Publish("x", bytes(range(256)), qos=0),
    ]
    wire = b"".join(encode(p) for p in packets)
    reader = PacketReader()
    got: list[Packet] = []
    for i in range(len(wire)):
        got += reader.feed(wire[i : i + 1])
    assert got == packets
    assert PacketReader().feed(wire) == packets


@pytest.mark.parametrize(
    ("wire", "reason"),
    [
        ("f000", "unknown packet type"),
        ("0000", "unknown packet type"),
        ("c100", "reserved flags"),
        ("6002000a", "reserved flags"),  # PUBREL must carry flags 0010
        ("8006000100016101", "reserved flags"),  # SUBSCRIBE likewise
        ("36050001610001", "QoS 3"),
        ("32030001" + "61", "truncated"),  # QoS 1 without its packet id
        ("40020000", "packet id 0"),
        ("2002020a", "reserved acknowledge"),
        ("90020001", "SUBACK"),
        ("9003000103", "SUBACK"),
        ("d00100", "extra bytes"),
        ("300400ff" + "6161", "truncated"),
        ("30040002c328", "UTF-8"),
    ],
)
def test_malformed_packets_are_remote_errors(wire: str, reason: str) -> None:
    data = bytes.fromhex(wire)
    with pytest.raises(RemoteMqttError, match=reason):
        PacketReader().feed(data)


def test_a_broken_reader_stays_broken() -> None:
    reader = PacketReader()
    with pytest.raises(RemoteMqttError):
        reader.feed(bytes.fromhex("f000"))
    with pytest.raises(RemoteMqttError):
        reader.feed(encode(PingResp()))


def test_a_packet_over_the_size_limit_is_refused_before_its_body_arrives() -> None:
    reader = PacketReader(max_size=1024)
    with pytest.raises(RemoteMqttError, match="limit"):
        reader.feed(bytes((0x30,)) + encode_remaining_length(2048))


def test_decode_checks_a_whole_body() -> None:
    assert decode(0xD0, b"") == PingResp()
    with pytest.raises(RemoteMqttError):
        decode(0x20, b"\x00")


topics = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    min_size=1,
    max_size=40,
)


@given(
    topic=topics,
    payload=st.binary(max_size=300),
    qos=st.integers(0, 2),
    retain=st.booleans(),
    dup=st.booleans(),
    pid=st.integers(1, 65535),
)
def test_publish_round_trips(
    topic: str, payload: bytes, qos: int, retain: bool, dup: bool, pid: int
) -> None:
    packet = Publish(topic, payload, qos, retain, dup, pid if qos else None)
    assert one(encode(packet)) == packet


@given(
    client_id=st.text(max_size=30).filter(lambda s: "\x00" not in s),
    keep_alive=st.integers(0, 65535),
    clean=st.booleans(),
    username=st.none() | st.text(max_size=10).filter(lambda s: "\x00" not in s),
    password=st.none() | st.binary(max_size=10),
    will=st.none()
    | st.builds(Will, topics, st.binary(max_size=20), st.integers(0, 2), st.booleans()),
)
def test_connect_round_trips(
    client_id: str,
    keep_alive: int,
    clean: bool,
    username: str | None,
    password: bytes | None,
    will: Will | None,
) -> None:
    if password is not None and username is None:
        username = ""
    packet = Connect(client_id, keep_alive, clean, username, password, will)
    assert one(encode(packet)) == packet


@given(st.binary(max_size=64))
def test_garbage_gives_packets_or_a_remote_error_never_anything_else(data: bytes) -> None:
    try:
        PacketReader().feed(data)
    except RemoteMqttError:
        pass
