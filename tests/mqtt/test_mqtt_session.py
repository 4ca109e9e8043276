"""The MQTT client session state machine (worker/net_mqtt_session.py) and the option parsing of
worker/net_mqtt.py: pure, driven with bytes and explicit times."""

from __future__ import annotations

import pytest
from plua2.worker.net_mqtt import (
    Broker,
    BrokerRefused,
    NetError,
    connect_packet,
    parse_broker_uri,
    tls_options,
)
from plua2.worker.net_mqtt_packets import (
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
    encode,
)
from plua2.worker.net_mqtt_session import (
    ClientSession,
    Connected,
    KeepAliveTimeout,
    MessageReceived,
    NotConnected,
    Published,
    Refused,
    SessionState,
    Subscribed,
    Unsubscribed,
)


def sent(session: ClientSession, now: float = 0.0) -> list[Packet]:
    data, _ = session.data_to_send(now)
    return PacketReader().feed(data)


def connected(keep_alive: int = 0) -> ClientSession:
    session = ClientSession(Connect("qa", keep_alive=keep_alive))
    assert sent(session) == [Connect("qa", keep_alive=keep_alive)]
    assert session.receive_data(encode(ConnAck(False, 0))) == [Connected(False, 0)]
    return session


def test_connect_goes_first_and_calls_before_connack_queue_behind_it() -> None:
    session = ClientSession(Connect("qa"))
    assert session.state is SessionState.CONNECTING
    pid = session.subscribe([("a/#", 1)])
    assert sent(session) == [Connect("qa"), Subscribe(pid, (("a/#", 1),))]
    assert session.receive_data(encode(ConnAck(True, 0))) == [Connected(True, 0)]
    assert session.state is SessionState.CONNECTED


def test_a_refused_connack_closes_the_session() -> None:
    session = ClientSession(Connect("qa"))
    sent(session)
    assert session.receive_data(encode(ConnAck(False, 5))) == [Refused(5)]
    assert session.state is SessionState.CLOSED
    with pytest.raises(NotConnected):
        session.publish("t", b"x")


def test_anything_before_connack_is_a_protocol_error_and_closes() -> None:
    session = ClientSession(Connect("qa"))
    with pytest.raises(RemoteMqttError, match="before CONNACK"):
        session.receive_data(encode(PingResp()))
    assert session.state is SessionState.CLOSED
    assert session.receive_data(encode(ConnAck(False, 0))) == []


def test_packets_a_broker_never_sends_are_protocol_errors() -> None:
    session = connected()
    with pytest.raises(RemoteMqttError, match="Subscribe"):
        session.receive_data(encode(Subscribe(1, (("a", 0),))))
    assert session.state is SessionState.CLOSED


def test_subscribe_and_unsubscribe_complete_on_their_acks_only() -> None:
    session = connected()
    sub = session.subscribe([("a", 0), ("b", 2)])
    unsub = session.unsubscribe(["a"])
    assert sent(session) == [Subscribe(sub, (("a", 0), ("b", 2))), Unsubscribe(unsub, ("a",))]
    assert session.in_flight == 2
    # an UNSUBACK with the SUBSCRIBE's id, or an unknown id, completes nothing
    assert session.receive_data(encode(UnsubAck(sub)) + encode(SubAck(999, (0,)))) == []
    events = session.receive_data(encode(SubAck(sub, (0, 0x80))) + encode(UnsubAck(unsub)))
    assert events == [Subscribed(sub, (0, 0x80)), Unsubscribed(unsub)]
    assert session.in_flight == 0


def test_publish_qos0_is_published_once_written() -> None:
    session = connected()
    pid = session.publish("t", b"x", 0, retain=True)
    data, done = session.data_to_send(1.0)
    assert PacketReader().feed(data) == [Publish("t", b"x", 0, True)]
    assert done == [Published(pid)]
    assert session.in_flight == 0


def test_publish_qos1_completes_on_puback() -> None:
    session = connected()
    pid = session.publish("t", b"x", 1)
    assert sent(session) == [Publish("t", b"x", 1, packet_id=pid)]
    assert session.receive_data(encode(PubAck(pid))) == [Published(pid)]
    assert session.receive_data(encode(PubAck(pid))) == []  # a duplicate ack


def test_publish_qos2_pubrec_pubrel_pubcomp() -> None:
    session = connected()
    pid = session.publish("t", b"x", 2)
    assert sent(session) == [Publish("t", b"x", 2, packet_id=pid)]
    assert session.receive_data(encode(PubComp(pid))) == []  # not before PUBREC
    assert session.receive_data(encode(PubRec(pid))) == []
    assert sent(session) == [PubRel(pid)]
    assert session.receive_data(encode(PubComp(pid))) == [Published(pid)]
    assert session.in_flight == 0


def test_incoming_qos1_is_delivered_and_acknowledged() -> None:
    session = connected()
    events = session.receive_data(encode(Publish("in", b"hello", 1, packet_id=42)))
    assert events == [MessageReceived("in", b"hello", 1, False, False)]
    assert sent(session) == [PubAck(42)]


def test_incoming_qos2_is_delivered_once_until_its_pubrel() -> None:
    session = connected()
    publish = encode(Publish("in", b"once", 2, packet_id=9))
    assert session.receive_data(publish) == [MessageReceived("in", b"once", 2, False, False)]
    assert sent(session) == [PubRec(9)]
    resent = encode(Publish("in", b"once", 2, dup=True, packet_id=9))
    assert session.receive_data(resent) == []
    assert sent(session) == [PubRec(9)]
    assert session.receive_data(encode(PubRel(9))) == []
    assert sent(session) == [PubComp(9)]
    # the id is free again: a new message with it is new
    assert len(session.receive_data(publish)) == 1


def test_packet_ids_skip_ids_in_flight_and_wrap() -> None:
    session = connected()
    session._next_id = 65534
    first = session.publish("t", b"", 1)
    second = session.subscribe([("a", 0)])
    assert (first, second) == (65535, 1)
    session._next_id = 65534
    assert session.publish("t", b"", 1) == 2  # 65535 and 1 are in flight


def test_bad_calls_are_local_errors_and_leave_nothing_in_flight() -> None:
    session = connected()
    with pytest.raises(LocalMqttError, match="wildcards"):
        session.publish("a/#", b"")
    with pytest.raises(LocalMqttError):
        session.subscribe([("a", 3)])
    with pytest.raises(LocalMqttError):
        session.unsubscribe([])
    assert session.in_flight == 0
    assert sent(session) == []


def test_disconnect_queues_disconnect_and_closes_for_good() -> None:
    session = connected()
    session.disconnect()
    session.disconnect()
    assert sent(session) == [Disconnect()]
    assert session.state is SessionState.CLOSED
    with pytest.raises(NotConnected):
        session.subscribe([("a", 0)])
    assert session.receive_data(encode(Publish("t", b"late"))) == []


def test_keep_alive_pings_when_idle_and_times_out_without_pingresp() -> None:
    session = ClientSession(Connect("qa", keep_alive=10))
    assert session.next_deadline() is None  # not before CONNACK
    session.data_to_send(100.0)
    session.receive_data(encode(ConnAck(False, 0)))
    assert session.next_deadline() == 110.0
    session.poll(105.0)
    assert sent(session, 105.0) == []
    session.publish("t", b"x")  # writing anything resets the idle time
    sent(session, 106.0)
    session.poll(110.0)
    assert sent(session, 110.0) == []
    assert session.next_deadline() == 116.0
    session.poll(116.0)
    assert sent(session, 116.0) == [PingReq()]
    assert session.next_deadline() == 126.0  # the answer is due by then
    session.receive_data(encode(PingResp()))
    assert session.next_deadline() == 126.0  # idle since the PINGREQ
    session.poll(126.0)
    assert sent(session, 126.0) == [PingReq()]
    with pytest.raises(KeepAliveTimeout):
        session.poll(136.0)
    assert session.state is SessionState.CLOSED


def test_keep_alive_zero_never_pings() -> None:
    session = connected(keep_alive=0)
    assert session.next_deadline() is None
    session.poll(1e9)
    assert sent(session) == []


# ------------------------------------------------------------------ options (worker/net_mqtt.py)


@pytest.mark.parametrize(
    ("uri", "broker"),
    [
        ("mqtt://broker.local", Broker("broker.local", 1883, False)),
        ("mqtt://127.0.0.1:1884", Broker("127.0.0.1", 1884, False)),
        ("tcp://h:1", Broker("h", 1, False)),
        ("mqtts://h", Broker("h", 8883, True)),
        ("ssl://h:9000", Broker("h", 9000, True)),
        ("MQTTS://H:1", Broker("h", 1, True)),
        ("192.168.1.5", Broker("192.168.1.5", 1883, False)),
        ("192.168.1.5:1999", Broker("192.168.1.5", 1999, False)),
        ("mqtt://[::1]:1883", Broker("::1", 1883, False)),
    ],
)
def test_broker_uris(uri: str, broker: Broker) -> None:
    assert parse_broker_uri(uri) == broker


@pytest.mark.parametrize("uri", ["ws://h", "mqtt://", "mqtt://h:99999", "http://h"])
def test_bad_broker_uris(uri: str) -> None:
    with pytest.raises(NetError, match="Invalid URI"):
        parse_broker_uri(uri)


def test_connect_options_as_the_hc3_names_them() -> None:
    packet = connect_packet(
        {
            "clientId": "hc3",
            "keepAlivePeriod": 30,
            "username": "u",
            "password": "p",
            "cleanSession": False,
            "lastWill": {"topicName": "hc3/state", "payload": "offline", "qos": 1, "retain": True},
        },
        "default",
    )
    assert packet == Connect("hc3", 30, False, "u", b"p", Will("hc3/state", b"offline", 1, True))
    assert connect_packet({}, "default") == Connect("default", 60, True)
    assert connect_packet({"password": "p"}, "d").username == ""
    with pytest.raises(ValueError, match="keepAlivePeriod"):
        connect_packet({"keepAlivePeriod": -1}, "d")
    with pytest.raises(ValueError, match="qos"):
        connect_packet({"lastWill": {"topicName": "t", "qos": 3}}, "d")


def test_tls_verification_follows_check_certificate_then_the_ca() -> None:
    assert tls_options({}).context().verify_mode.name == "CERT_NONE"
    assert tls_options({"checkCertificate": True}).context().check_hostname
    assert tls_options({"checkCertificate": False}).context().verify_mode.name == "CERT_NONE"
    with pytest.raises(NetError, match="Invalid certificate"):
        tls_options({"certificateAuthority": "not a certificate"}).context()


def test_a_refusal_carries_its_return_code() -> None:
    refused = BrokerRefused(4)
    assert refused.code == 4
    assert str(refused) == "Connection refused: bad user name or password"
