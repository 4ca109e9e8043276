"""Fixtures for MQTT tests: `broker` is a mosquitto started for the test and stopped by PID.

Tests that need a broker skip, with the reason, when Debian's `mosquitto` is not installed
(scripts/install-test-deps.sh installs it for CI).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mqtt_helpers import Mosquitto, mosquitto_binary


@pytest.fixture
def mosquitto_available() -> None:
    if mosquitto_binary() is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")


@pytest.fixture
def broker(mosquitto_available: None, tmp_path: Path) -> Iterator[Mosquitto]:
    with Mosquitto(tmp_path / "broker") as running:
        yield running
