"""Fixtures of the example's tests. `hc3` comes from plua2's pytest plugin (installed with plua2):
an emulated HC3 running this project's QuickApps, one per test, on a free port."""

from __future__ import annotations

import pytest

from plua2.testing import HC3


@pytest.fixture
def light(hc3: HC3) -> int:
    """The device id of the Hallway light QuickApp (found by name, as a script on an HC3 would)."""
    [device] = hc3.get("/api/devices", name="Hallway light")
    return int(device["id"])
