"""examples/ci's tests pass through the plugin, run as a user's CI runs them: `pytest` in the
project folder (its pytest.ini names the project; the plugin comes from the pytest11 entry point)."""

from __future__ import annotations

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
    assert "4 passed" in done.stdout, done.stdout
    assert "PASSED tests/test_hallway_light.py::test_on_button_turns_it_on" in done.stdout
