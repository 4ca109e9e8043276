"""The Hallway light QuickApp, driven over the HC3 REST API as the HC3 app or a scene would."""

from __future__ import annotations

from plua2.testing import HC3


def test_it_runs_and_is_off(hc3: HC3, light: int) -> None:
    assert [w["state"] for w in hc3.workers() if w["id"] == light] == ["running"]
    assert hc3.property(light, "value") is False


def test_on_button_turns_it_on(hc3: HC3, light: int) -> None:
    hc3.ui_event(light, "on", "onReleased")
    hc3.wait_for_property(light, "value", True)
    hc3.wait_for_console("Hallway light on", level="debug")


def test_actions_turn_it_on_and_off(hc3: HC3, light: int) -> None:
    hc3.action(light, "turnOn")
    hc3.wait_for_property(light, "value", True)
    hc3.action(light, "turnOff")
    hc3.wait_for_property(light, "value", False)


def test_turns_itself_off(hc3: HC3, light: int) -> None:
    # a short timeout, in real time: the variable is set through the QuickApp's own action
    hc3.action(light, "setAutoOff", 2)
    hc3.wait_for_property(
        light, "quickAppVariables", lambda vs: {"name": "autoOff", "value": 2} in vs
    )
    hc3.action(light, "turnOn")
    hc3.wait_for_property(light, "value", True)  # on for 2 s: polled every 50 ms
    hc3.wait_for_property(light, "value", False, timeout=10)


def test_turns_itself_off_after_five_minutes(hc3: HC3, light: int) -> None:
    # the default 300 s, in virtual time: no test waits five minutes
    hc3.action(light, "turnOn")
    hc3.wait_for_property(light, "value", True)
    hc3.advance_time(299)
    assert hc3.property(light, "value") is True
    hc3.advance_time(2)
    hc3.wait_for_property(light, "value", False)
