"""The plugin is registered through `pytest11` and costs nothing until a fixture is used."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest


def test_registered_through_the_pytest11_entry_point(request: pytest.FixtureRequest) -> None:
    entry_points = importlib.metadata.entry_points(group="pytest11")
    assert [e.value for e in entry_points if e.name == "plua2"] == ["plua2.testing"]
    assert request.config.pluginmanager.has_plugin("plua2")


def test_importing_the_plugin_imports_nothing_heavy() -> None:
    heavy = ["trio", "lupa", "quart", "hypercorn", "urllib.request",
             "plua2.supervisor", "plua2.testing.client", "plua2.testing.server"]  # fmt: skip
    code = f"import sys, plua2.testing\nprint([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_public_names() -> None:
    import plua2.testing as testing

    assert sorted(testing.__all__) == sorted(
        ["HC3", "HC3Error", "HC3RequestError", "HC3Server", "HC3StartError", "HC3Timeout",
         "connect_hc3", "start_hc3"]
    )  # fmt: skip
    for name in testing.__all__:
        assert getattr(testing, name).__name__ == name
    assert issubclass(testing.HC3Timeout, AssertionError)
    with pytest.raises(AttributeError):
        testing.nothing  # noqa: B018


def test_options_become_plua2_up_flags() -> None:
    from plua2.testing.server import options_to_args

    options = {"speed": 10, "instant": True, "run_for": None, "no_console": False,
               "start": "2025-01-01 08:00", "x": [1, 2]}  # fmt: skip
    assert options_to_args(options) == ["--speed", "10", "--instant",
                                        "--start", "2025-01-01 08:00", "--x", "1", "--x", "2"]  # fmt: skip
