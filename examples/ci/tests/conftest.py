"""Fixtures of the example's tests. `hc3` comes from plua2's pytest plugin (installed with plua2):
an emulated HC3 running this project's QuickApps, a fresh one per test on a free port; or, with
`pytest --plua2-url http://localhost:8888`, the HC3 already running there (the Docker image as a
CI service container), shared by every test: so `light` puts the light back in a known state."""

from __future__ import annotations

import pytest

from plua2.testing import HC3


@pytest.fixture
def light(hc3: HC3) -> int:
    """The Hallway light's device id (found by name, as a script on an HC3 would), turned off,
    with its default auto-off time."""
    [device] = hc3.get("/api/devices", name="Hallway light")
    light_id = int(device["id"])
    hc3.action(light_id, "setAutoOff", 300)
    hc3.action(light_id, "turnOff")
    hc3.wait_for_property(light_id, "value", False)
    return light_id
