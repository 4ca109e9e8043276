"""pyfibaro (Home Assistant's HC3 client) against `plua2 up`: the acceptance of REFERENCE.md §3.2."""

from __future__ import annotations

import threading
import time

import pytest
from plua2_up_helpers import Plua2Up

pyfibaro = pytest.importorskip("pyfibaro")
from pyfibaro.fibaro_client import (  # noqa: E402
    FibaroAuthenticationFailed,
    FibaroClient,
    FibaroConnectFailed,
)
from pyfibaro.fibaro_device_manager import FibaroDeviceManager  # noqa: E402


def test_pyfibaro_logs_in_reads_the_home_and_sees_an_action_within_a_second(
    plua2_up: Plua2Up,
) -> None:
    client = FibaroClient(plua2_up.api + "/")
    info = client.connect_with_credentials("admin", "admin")
    assert info.serial_number.startswith("HC3-") and info.api_version == 5
    assert info.hc_name == "plua2 example home"
    assert {r.name for r in client.read_rooms()} >= {"Living room", "Kitchen"}
    assert [s.name for s in client.read_scenes()] == ["Good night"]
    devices = {d.fibaro_id: d for d in client.read_devices()}
    assert {100, 101, 102, 103, 104} <= set(devices)
    lamp = devices[100]
    assert lamp.type == "com.fibaro.binarySwitch" and lamp.value.bool_value() is False

    manager = FibaroDeviceManager(client)
    fired = threading.Event()
    seen: list[object] = []

    def on_change(device: object) -> None:
        seen.append(device)
        fired.set()

    try:
        manager.add_change_listener(100, on_change)
        time.sleep(0.3)  # let the listener's refreshStates poll start waiting
        started = time.monotonic()
        lamp.execute_action("turnOn", [])
        assert fired.wait(1.0), "the change did not arrive within 1 s"
        assert time.monotonic() - started < 1.0
        assert seen[0].value.bool_value() is True  # type: ignore[attr-defined]
        scene = client.read_scenes()[0]
        scene.start()
    finally:
        manager.close()


def test_pyfibaro_is_refused_with_a_wrong_password(plua2_up: Plua2Up) -> None:
    client = FibaroClient(plua2_up.api + "/")
    with pytest.raises((FibaroConnectFailed, FibaroAuthenticationFailed)):
        client.connect_with_credentials("admin", "not-the-password")
