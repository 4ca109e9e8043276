"""mqtt.Client in a worker runtime against a real mosquitto that each test starts and stops."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import trio
import trustme
from mqtt_helpers import LuaHost, Mosquitto, PeerClient, free_port, run_lua
from plua2.shared.messages import Log
from plua2.worker.net_mqtt_session import MessageReceived
from plua2.worker.runtime import Runtime

RUN_LIMIT = 30


async def test_connect_subscribe_receive_and_publish_qos0_qos1_qos2(broker: Mosquitto) -> None:
    """The acceptance case: connected, subscribed, a message from another client arrives in the
    Lua listener, and the QuickApp's publishes (QoS 0, 1, 2) reach the other client."""
    source = f"""
    local client = mqtt.Client.connect("mqtt://127.0.0.1:{broker.port}", {{
      clientId = "plua2-test", keepAlivePeriod = 30,
    }})
    local pids = {{}}
    client:addEventListener("connected", function(e)
      print("connected", e.sessionPresent, e.returnCode, client:isConnected())
      pids.sub = client:subscribe({{{{"plua2/in/#", mqtt.QoS.AT_LEAST_ONCE}}, {{"plua2/in2", 2}}}})
    end)
    client:addEventListener("subscribed", function(e)
      print("subscribed", e.packetId == pids.sub, table.concat(e.results, ","))
      pids.q0 = client:publish("plua2/out/zero", "qos zero")
      pids.q1 = client:publish("plua2/out/one", "qos one", {{qos = mqtt.QoS.AT_LEAST_ONCE}})
      pids.q2 = client:publish("plua2/out/two", "qos two", {{qos = mqtt.QoS.EXACTLY_ONCE, retain = true}})
    end)
    local published = {{}}
    client:addEventListener("published", function(e)
      for name, pid in pairs(pids) do
        if pid == e.packetId then published[#published + 1] = name end
      end
      if #published == 3 then
        table.sort(published)
        print("published", table.concat(published, ","))
      end
    end)
    client:addEventListener("message", function(e)
      print("message", e.topic, e.payload, e.qos, e.retain)
      if e.topic == "plua2/in/done" then client:unsubscribe("plua2/in/#") end
    end)
    client:addEventListener("unsubscribed", function(e)
      print("unsubscribed")
      client:disconnect()
    end)
    client:addEventListener("error", function(e) print("error", e.message) end)
    client:addEventListener("closed", function() print("closed", client:isConnected()) end)
    """

    async def peer_side(host: LuaHost, runtime: Runtime) -> None:
        async with trio.open_nursery() as nursery:
            peer = await PeerClient.connect(nursery, broker.port, "peer")
            await peer.subscribe("plua2/out/#", qos=2)
            await host.wait_for_print("subscribed")
            await peer.publish("plua2/in/a", b"from the peer", qos=1)
            await peer.publish("plua2/in2", b"exactly once", qos=2)
            for topic in ("plua2/out/zero", "plua2/out/one", "plua2/out/two"):
                await peer.wait_for(topic)
            peer_messages.extend(peer.messages)
            await peer.publish("plua2/in/done", b"", qos=1)  # the QuickApp may disconnect now
            await peer.aclose()
            nursery.cancel_scope.cancel()

    peer_messages: list[MessageReceived] = []
    runtime, host = await run_lua(source, peer_side)
    prints = host.prints()
    assert prints[:2] == ["connected\tfalse\t0\ttrue", "subscribed\ttrue\t1,2"]
    assert "message\tplua2/in/a\tfrom the peer\t1\tfalse" in prints
    assert "message\tplua2/in2\texactly once\t2\tfalse" in prints
    assert "published\tq0,q1,q2" in prints
    assert prints[-3:] == ["message\tplua2/in/done\t\t1\tfalse", "unsubscribed", "closed\tfalse"]
    assert not host.errors()
    got = {m.topic: (m.payload, m.qos) for m in peer_messages}
    assert got == {
        "plua2/out/zero": (b"qos zero", 0),
        "plua2/out/one": (b"qos one", 1),
        "plua2/out/two": (b"qos two", 2),
    }
    assert runtime.pending_operations == 0


async def test_a_quickapp_gets_a_command_from_another_client_and_reports_its_state(
    broker: Mosquitto,
) -> None:
    """The same round trip from a QuickApp's onInit, in the HC3 sandbox."""
    source = """
    function QuickApp:onInit()
      self.mqtt = mqtt.Client.connect("mqtt://127.0.0.1:BROKER_PORT", {
        clientId = "qa-" .. self.id,
        lastWill = {topicName = "hc3/" .. self.id .. "/state", payload = "offline", retain = true},
      })
      self.mqtt:addEventListener("connected", function()
        self.mqtt:subscribe("hc3/" .. self.id .. "/set", {qos = mqtt.QoS.AT_LEAST_ONCE})
      end)
      self.mqtt:addEventListener("subscribed", function()
        self.mqtt:publish("hc3/" .. self.id .. "/state", "online", {qos = 1, retain = true})
      end)
      self.mqtt:addEventListener("message", function(event)
        self:debug("command", event.topic, event.payload)
        self.mqtt:disconnect()
      end)
      self.mqtt:addEventListener("closed", function() self:debug("closed") end)
    end
    """.replace("BROKER_PORT", str(broker.port))
    device = {"id": 5000, "name": "MQTT QA", "type": "com.fibaro.binarySwitch", "properties": {}}

    async def controller(host: LuaHost, runtime: Runtime) -> None:
        async with trio.open_nursery() as nursery:
            peer = await PeerClient.connect(nursery, broker.port, "controller")
            await peer.subscribe("hc3/5000/state", qos=1)
            state = await peer.wait_for("hc3/5000/state")  # retained: no race with the QA
            assert state.payload == b"online"
            await peer.publish("hc3/5000/set", b"turnOn", qos=1)
            await peer.aclose()
            nursery.cancel_scope.cancel()

    _, host = await run_lua(
        source,
        controller,
        sandbox="quickapp",
        quickapp={"id": 5000, "device": device, "children": []},
    )
    logs = [(m.level, m.tag, m.text) for m in host.sent if isinstance(m, Log)]
    assert logs == [
        ("debug", "QUICKAPP5000", "command hc3/5000/set turnOn"),
        ("debug", "QUICKAPP5000", "closed"),
    ]
    assert not host.errors()


async def test_calls_made_before_connected_go_out_behind_connect(broker: Mosquitto) -> None:
    _, host = await run_lua(
        f"""
        local c = mqtt.Client.connect("mqtt://127.0.0.1:{broker.port}")
        for _, name in ipairs({{"connected", "published", "subscribed"}}) do
          c:addEventListener(name, function() print(name) end)
        end
        c:addEventListener("message", function(e) print("message", e.payload) c:disconnect() end)
        c:subscribe("plua2/early", {{qos = 1}})
        c:publish("plua2/early", "sent before CONNACK")
        """
    )
    assert host.prints() == ["connected", "published", "subscribed", "message\tsent before CONNACK"]


async def test_the_broker_going_away_reaches_error_and_closed(broker: Mosquitto) -> None:
    source = f"""
    local client = mqtt.Client.connect("mqtt://127.0.0.1:{broker.port}")
    client:addEventListener("connected", function() print("connected") end)
    client:addEventListener("error", function(e) print("error", e.message, e.code) end)
    client:addEventListener("closed", function()
      print("closed", client:isConnected())
      print("publish after", client:publish("t", "x"))
    end)
    """

    async def kill_broker(host: LuaHost, runtime: Runtime) -> None:
        await host.wait_for_print("connected")
        broker.kill()

    runtime, host = await run_lua(source, kill_broker)
    prints = host.prints()
    assert prints[0] == "connected"
    assert prints[1] in ("error\tEnd of file\tnil", "error\tConnection reset by peer\tnil")
    assert prints[2:] == ["closed\tfalse", "publish after\tnil", "error\tNot connected\tnil"]
    assert runtime.pending_operations == 0  # the loop ended by itself: nothing holds it


async def test_last_will_is_published_when_the_worker_ends_without_disconnect(
    broker: Mosquitto,
) -> None:
    source = f"""
    local client = mqtt.Client.connect("127.0.0.1:{broker.port}", {{
      lastWill = {{topicName = "plua2/will", payload = "gone", qos = 1, retain = false}},
    }})
    client:addEventListener("connected", function() print("connected") end)
    """

    async def stop_worker(host: LuaHost, runtime: Runtime) -> None:
        await host.wait_for_print("connected")
        runtime.stop(0)  # the worker ends: the connection drops without DISCONNECT

    async with trio.open_nursery() as nursery:
        watcher = await PeerClient.connect(nursery, broker.port, "watcher")
        await watcher.subscribe("plua2/will", qos=1)
        runtime, _ = await run_lua(source, stop_worker)
        with trio.fail_after(5):
            will = await watcher.wait_for("plua2/will")
        await watcher.aclose()
        nursery.cancel_scope.cancel()
    assert (will.payload, will.qos) == (b"gone", 1)
    assert runtime.pending_operations == 0


async def test_connection_refused_gives_error_then_closed_and_the_connect_callback() -> None:
    port = free_port()
    _, host = await run_lua(
        f"""
        local client = mqtt.Client.connect("mqtt://127.0.0.1:{port}", {{
          callback = function(code) print("callback", code) end,
        }})
        client:addEventListener("connected", function() print("connected?") end)
        client:addEventListener("error", function(e) print("error", e.message) end)
        client:addEventListener("closed", function() print("closed") end)
        print("subscribe before connect", type(client:subscribe("a")))
        """
    )
    assert host.prints() == [
        "subscribe before connect\tnumber",
        "callback\t-1",
        "error\tConnection refused",
        "closed",
    ]


async def test_a_broker_refusing_anonymous_clients_gives_the_return_code(
    mosquitto_available: None, tmp_path: Path
) -> None:
    with Mosquitto(tmp_path / "closed-broker", anonymous=False) as strict:
        _, host = await run_lua(
            f"""
            local client = mqtt.Client.connect("mqtt://127.0.0.1:{strict.port}", {{
              username = "nobody", password = "wrong",
            }})
            client:addEventListener("error", function(e)
              print("error", e.code, e.message, e.code == mqtt.ConnectReturnCode.NOT_AUTHORIZED)
            end)
            client:addEventListener("closed", function() print("closed") end)
            """
        )
    assert host.prints() == [
        "error\t5\tConnection refused: not authorized\ttrue",
        "closed",
    ]


async def test_keep_alive_pings_keep_an_idle_connection_open(broker: Mosquitto) -> None:
    # mosquitto drops a client silent for 1.5 x keepAlivePeriod; the pings keep it connected
    _, host = await run_lua(
        f"""
        local client = mqtt.Client.connect("mqtt://127.0.0.1:{broker.port}", {{keepAlivePeriod = 1}})
        client:addEventListener("connected", function()
          setTimeout(function()
            client:publish("plua2/alive", "still here", {{qos = 1}})
          end, 2200)
        end)
        client:addEventListener("published", function() print("published") client:disconnect() end)
        client:addEventListener("error", function(e) print("error", e.message) end)
        client:addEventListener("closed", function() print("closed") end)
        """
    )
    assert host.prints() == ["published", "closed"]


async def test_mqtts_with_a_certificate_authority(
    mosquitto_available: None, tmp_path: Path
) -> None:
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    folder = tmp_path / "tls-broker"
    folder.mkdir()
    cert, key = folder / "server.pem", folder / "server.key"
    cert.write_bytes(b"".join(blob.bytes() for blob in server.cert_chain_pems))
    key.write_bytes(server.private_key_pem.bytes())
    other_ca = trustme.CA().cert_pem.bytes().decode()
    with Mosquitto(folder, tls=(cert, key)) as tls_broker:
        _, host = await run_lua(
            f"""
            local CA = [==[{ca.cert_pem.bytes().decode()}]==]
            local client = mqtt.Client.connect("mqtts://127.0.0.1:{tls_broker.tls_port}", {{
              certificateAuthority = CA,
            }})
            client:addEventListener("connected", function()
              client:subscribe("plua2/tls", {{qos = 1}})
            end)
            client:addEventListener("subscribed", function()
              client:publish("plua2/tls", "over TLS", {{qos = 1}})
            end)
            client:addEventListener("message", function(e)
              print("message", e.payload)
              client:disconnect()
            end)
            client:addEventListener("closed", function() print("closed") end)

            local wrong = mqtt.Client.connect("mqtts://127.0.0.1:{tls_broker.tls_port}", {{
              certificateAuthority = [==[{other_ca}]==],
            }})
            wrong:addEventListener("error", function(e) print("wrong CA", e.message) end)
            wrong:addEventListener("connected", function() print("wrong CA connected?") end)

            local unchecked = mqtt.Client.connect("mqtts://127.0.0.1:{tls_broker.tls_port}", {{
              checkCertificate = false,
            }})
            unchecked:addEventListener("connected", function()
              print("unchecked connected")
              unchecked:disconnect()
            end)
            """
        )
    prints = host.prints()
    assert "message\tover TLS" in prints
    assert "closed" in prints
    assert "unchecked connected" in prints
    assert any(p.startswith("wrong CA\tSSL handshake failed: ") for p in prints), prints


async def test_argument_errors_are_lua_errors_at_the_callers_line() -> None:
    _, host = await run_lua(
        """
        local ok, err = pcall(mqtt.Client.connect, 42)
        print(err)
        local client = mqtt.Client.connect("mqtt://127.0.0.1:1")
        print(select(2, pcall(client.publish, client, "t", "x", {qos = 3})))
        print(select(2, pcall(client.subscribe, client, {})))
        print(select(2, pcall(client.addEventListener, client, "bogus", print)))
        print(mqtt.QoS.AT_MOST_ONCE, mqtt.QoS.AT_LEAST_ONCE, mqtt.QoS.EXACTLY_ONCE)
        print(tostring(client):match("^MQTT Client object: ") ~= nil)
        client:disconnect()
        """
    )
    assert host.prints() == [
        "mqtt.Client.connect: uri must be a string, got number",
        "mqtt client:publish: qos must be 0, 1 or 2, got 3",
        "mqtt client:subscribe: no topic given",
        "mqtt client:addEventListener: unknown event bogus",
        "0\t1\t2",
        "true",
    ]


async def test_mqtt_is_there_in_the_quickapp_sandbox() -> None:
    _, host = await run_lua(
        "print(type(mqtt.Client.connect), type(mqtt.ConnectReturnCode))", sandbox="quickapp"
    )
    assert host.prints() == ["function\ttable"]


async def test_plua2_run_keeps_a_script_with_an_open_client_alive_until_closed(
    broker: Mosquitto,
) -> None:
    code = f"""
    local c = mqtt.Client.connect("mqtt://127.0.0.1:{broker.port}")
    c:addEventListener("connected", function() c:subscribe("plua2/self") end)
    c:addEventListener("subscribed", function() c:publish("plua2/self", "echo") end)
    c:addEventListener("message", function(e) print("got " .. e.payload) c:disconnect() end)
    c:addEventListener("closed", function() print("closed") end)
    print("started")
    """
    with trio.fail_after(RUN_LIMIT):
        done = await trio.run_process(
            [sys.executable, "-m", "plua2", "run", "-e", code],
            capture_stdout=True,
            capture_stderr=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines() == ["started", "got echo", "closed"], done.stderr
