"""examples/ci's tests pass through the plugin, run as a user's CI runs them: `pytest` in the
project folder (its pytest.ini names the project; the plugin comes from the pytest11 entry point)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ci"


def test_the_example_ci_project_passes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA"],
        cwd=EXAMPLE, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout, done.stdout
    assert "PASSED tests/test_hallway_light.py::test_on_button_turns_it_on" in done.stdout


def test_the_example_ci_tests_pass_against_a_running_hc3(tmp_path: Path) -> None:
    """The service-container way: one HC3 already running (here plua2 up, there the Docker image),
    the tests given its URL with --plua2-url; they share it."""
    from plua2.testing import start_hc3

    server, _ = start_hc3(EXAMPLE, tmp_path / "state", user="ci", password="ci-secret")
    try:
        env = {**os.environ, "PLUA2_USER": "ci", "PLUA2_PASSWORD": "ci-secret"}
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA",
             "--plua2-url", server.url],
            cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
    finally:
        server.stop()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout, done.stdout
    # no plua2 up was started by the tests: the one server's log shows their calls' effects
    assert server.log_text().count("serving http://") == 1
    assert "[quickapp 5000] Hallway light on" in server.log_text()


def test_a_wrong_password_for_a_running_hc3_fails_clearly(tmp_path: Path) -> None:
    from plua2.testing import HC3RequestError, connect_hc3, start_hc3

    server, _ = start_hc3(EXAMPLE, tmp_path / "state")
    try:
        try:
            connect_hc3(server.url, "admin", "wrong")
        except HC3RequestError as error:
            assert error.status == 401
        else:
            raise AssertionError("no 401")
        assert connect_hc3(server.url).workers()[0]["state"] == "running"
    finally:
        server.stop()
