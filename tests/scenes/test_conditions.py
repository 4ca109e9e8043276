"""scene_conditions: which trigger starts which scene, with what sourceTrigger (pure units)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from plua2.fibaro_api.scene_conditions import (
    ConditionError,
    check_conditions,
    compare,
    cron_matches,
    event_triggers,
    has_time_triggers,
    minute_trigger,
    scene_fires,
    se_start_trigger,
)

# Tuesday 2025-08-12 18:30 local time
MOMENT = time.mktime((2025, 8, 12, 18, 30, 0, 0, 0, -1))


@dataclass
class FakeState:
    moment: float = MOMENT
    devices: dict[tuple[int, str], Any] = field(default_factory=dict)
    globals: dict[str, str] = field(default_factory=dict)
    profile: int | None = 1
    sun: tuple[str, str] = ("06:00", "20:45")

    def now(self) -> float:
        return self.moment

    def device_value(self, device_id: int, name: str) -> tuple[bool, Any]:
        key = (device_id, name)
        return (key in self.devices, self.devices.get(key))

    def global_value(self, name: str) -> str | None:
        return self.globals.get(name)

    def active_profile(self) -> int | None:
        return self.profile

    def sun_times(self, moment: float) -> tuple[str, str]:
        return self.sun


def device(id: int, value: Any, op: str = "==", trigger: bool = True, prop: str = "value") -> dict:
    return {"type": "device", "id": id, "property": prop, "operator": op, "value": value,
            "isTrigger": trigger}  # fmt: skip


def group(op: str, *conditions: dict) -> dict:
    return {"operator": op, "conditions": list(conditions)}


def dev_trigger(id: int, value: Any, prop: str = "value") -> dict:
    return {"type": "device", "id": id, "property": prop, "value": value}


# --- device ---------------------------------------------------------------------------------------


def test_a_device_trigger_fires_with_the_event_as_source_trigger() -> None:
    conditions = group("all", device(5000, True))
    source = scene_fires(conditions, dev_trigger(5000, True), FakeState())
    assert source == {"type": "device", "id": 5000, "property": "value", "value": True}


def test_a_device_trigger_does_not_fire_for_another_value_device_or_property() -> None:
    conditions = group("all", device(5000, True))
    state = FakeState()
    assert scene_fires(conditions, dev_trigger(5000, False), state) is None
    assert scene_fires(conditions, dev_trigger(5001, True), state) is None
    assert scene_fires(conditions, dev_trigger(5000, True, "state"), state) is None


def test_a_leaf_without_is_trigger_never_starts_a_scene() -> None:
    conditions = group("all", device(5000, True, trigger=False))
    assert scene_fires(conditions, dev_trigger(5000, True), FakeState()) is None


def test_ordering_operators_and_any_value_on_devices() -> None:
    state = FakeState()
    assert scene_fires(group("all", device(7, 20, ">")), dev_trigger(7, 21.5), state)
    assert not scene_fires(group("all", device(7, 20, ">")), dev_trigger(7, 20), state)
    assert scene_fires(group("all", device(7, 20, "<=")), dev_trigger(7, "20"), state)
    assert scene_fires(group("all", device(7, None, "anyValue")), dev_trigger(7, "x"), state)
    assert scene_fires(group("all", device(7, 5, "!=")), dev_trigger(7, 6), state)


def test_a_central_scene_event_matches_its_key_map() -> None:
    leaf = device(42, {"keyId": 1, "keyAttribute": "Pressed"}, prop="centralSceneEvent")
    event = {"type": "CentralSceneEvent", "data": {"id": 42, "keyId": 1, "keyAttribute": "Pressed"}}
    [trigger] = event_triggers(event)
    assert scene_fires(group("any", leaf), trigger, FakeState()) == trigger
    other = {"type": "CentralSceneEvent", "data": {"id": 42, "keyId": 2, "keyAttribute": "Pressed"}}
    assert scene_fires(group("any", leaf), event_triggers(other)[0], FakeState()) is None


# --- global variables and custom events -----------------------------------------------------------


def test_a_global_variable_trigger_compares_strings_and_numbers() -> None:
    leaf = {"type": "global-variable", "property": "Temp", "operator": ">=", "value": 20,
            "isTrigger": True}  # fmt: skip
    event = {"type": "GlobalVariableChangedEvent",
             "data": {"variableName": "Temp", "newValue": "21", "oldValue": "19"}}  # fmt: skip
    [trigger] = event_triggers(event)
    assert scene_fires(group("all", leaf), trigger, FakeState()) == {
        "type": "global-variable", "property": "Temp", "value": "21"}  # fmt: skip
    cold = {**event, "data": {"variableName": "Temp", "newValue": "19"}}
    assert scene_fires(group("all", leaf), event_triggers(cold)[0], FakeState()) is None


def test_a_custom_event_trigger_fires_on_its_name_only() -> None:
    leaf = {"type": "custom-event", "property": "Doorbell", "operator": "==", "isTrigger": True}
    ring = event_triggers({"type": "CustomEvent", "data": {"name": "Doorbell"}})[0]
    other = event_triggers({"type": "CustomEvent", "data": {"name": "Alarm"}})[0]
    assert scene_fires(group("any", leaf), ring, FakeState()) == {
        "type": "custom-event", "property": "Doorbell"}  # fmt: skip
    assert scene_fires(group("any", leaf), other, FakeState()) is None


def test_events_that_are_no_triggers() -> None:
    assert event_triggers({"type": "DeviceCreatedEvent", "data": {"id": 1}}) == []
    assert event_triggers({"type": "SceneStartedEvent", "data": {"id": 10}}) == []


# --- combinations ---------------------------------------------------------------------------------


def test_all_checks_the_other_conditions_against_the_home_as_it_is() -> None:
    conditions = group(
        "all",
        device(5000, True),
        {"type": "global-variable", "property": "Mode", "operator": "==", "value": "Night"},
    )
    state = FakeState(globals={"Mode": "Day"})
    assert scene_fires(conditions, dev_trigger(5000, True), state) is None
    state.globals["Mode"] = "Night"
    assert scene_fires(conditions, dev_trigger(5000, True), state) is not None


def test_any_fires_on_either_trigger() -> None:
    conditions = group("any", device(1, True), device(2, True))
    state = FakeState()
    assert scene_fires(conditions, dev_trigger(1, True), state) is not None
    assert scene_fires(conditions, dev_trigger(2, True), state) is not None
    assert scene_fires(conditions, dev_trigger(3, True), state) is None


def test_a_second_trigger_leaf_is_a_condition_on_the_current_state() -> None:
    conditions = group("all", device(1, True), device(2, True))
    state = FakeState(devices={(2, "value"): False})
    assert scene_fires(conditions, dev_trigger(1, True), state) is None
    state.devices[(2, "value")] = True
    assert scene_fires(conditions, dev_trigger(1, True), state) == dev_trigger(1, True)


def test_nested_groups() -> None:
    conditions = group(
        "all",
        device(1, True),
        group("any", device(2, True, trigger=False), device(3, 10, ">", trigger=False)),
    )
    state = FakeState(devices={(2, "value"): False, (3, "value"): 5})
    assert scene_fires(conditions, dev_trigger(1, True), state) is None
    state.devices[(3, "value")] = 11
    assert scene_fires(conditions, dev_trigger(1, True), state) is not None


def test_a_moment_is_true_only_as_the_trigger() -> None:
    conditions = group(
        "all", device(1, True), {"type": "custom-event", "property": "Bell", "isTrigger": True}
    )
    assert scene_fires(conditions, dev_trigger(1, True), FakeState()) is None


def test_se_start_and_profile_triggers() -> None:
    start = {"type": "se-start", "property": "start", "operator": "==", "value": True,
             "isTrigger": True}  # fmt: skip
    assert scene_fires(group("all", start), se_start_trigger(), FakeState()) == se_start_trigger()
    profile = {"type": "profile", "property": "activeProfile", "operator": "==", "value": 3,
               "isTrigger": True}  # fmt: skip
    event = {"type": "ActiveProfileChangedEvent", "data": {"newActiveProfile": 3}}
    assert scene_fires(group("all", profile), event_triggers(event)[0], FakeState())


# --- time -----------------------------------------------------------------------------------------


def cron(value: list[str], op: str = "match", trigger: bool = True) -> dict:
    return {"type": "date", "property": "cron", "operator": op, "value": value,
            "isTrigger": trigger}  # fmt: skip


def test_cron_fields() -> None:
    assert cron_matches(["30", "18", "*", "*", "*", "*"], MOMENT)
    assert cron_matches(["*/15", "18", "12", "8", "3", "2025"], MOMENT)  # Tuesday = 3
    assert cron_matches(["0-59/10", "17-19", "*", "*", "2,3,4", "*"], MOMENT)
    assert not cron_matches(["31", "18", "*", "*", "*", "*"], MOMENT)
    assert not cron_matches(["30", "18", "*", "*", "1", "*"], MOMENT)  # Sunday only
    assert cron_matches([30, 18, "*", "*", "*", "*"], MOMENT)


def test_a_cron_trigger_fires_on_its_minute_with_the_minute_as_value() -> None:
    conditions = group("all", cron(["30", "18", "*", "*", "*", "*"]))
    trigger = minute_trigger(MOMENT)
    assert trigger["value"] == ["30", "18", "12", "8", "3", "2025"]
    assert scene_fires(conditions, trigger, FakeState()) == trigger
    later = FakeState(moment=MOMENT + 60)
    assert scene_fires(conditions, minute_trigger(MOMENT + 60), later) is None


def test_a_time_range_condition() -> None:
    conditions = group(
        "all", device(1, True), cron(["00", "18", "*", "*", "*", "*"], "match>=", trigger=False)
    )
    assert scene_fires(conditions, dev_trigger(1, True), FakeState()) is not None
    early = FakeState(moment=MOMENT - 3600)  # 17:30
    assert scene_fires(conditions, dev_trigger(1, True), early) is None


def test_match_interval() -> None:
    leaf = cron({"date": ["00", "18", "*", "*", "*", "*"], "interval": 900}, "matchInterval")  # type: ignore[arg-type]
    conditions = group("all", leaf)
    assert scene_fires(conditions, minute_trigger(MOMENT), FakeState())  # 18:30 = 18:00 + 2 * 15'
    off = MOMENT + 5 * 60
    assert scene_fires(conditions, minute_trigger(off), FakeState(moment=off)) is None


def test_sunset_with_an_offset() -> None:
    leaf = {"type": "date", "property": "sunset", "operator": "==", "value": -15,
            "isTrigger": True}  # fmt: skip
    state = FakeState(sun=("06:00", "18:45"))  # 18:45 - 15' = 18:30
    assert scene_fires(group("all", leaf), minute_trigger(MOMENT), state) == {
        "type": "date", "property": "sunset", "value": -15}  # fmt: skip
    state.sun = ("06:00", "19:00")
    assert scene_fires(group("all", leaf), minute_trigger(MOMENT), state) is None


def test_has_time_triggers() -> None:
    assert has_time_triggers(group("all", cron(["0", "*", "*", "*", "*", "*"])))
    assert not has_time_triggers(group("all", device(1, True)))
    assert not has_time_triggers({})


# --- comparing and checking -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "actual", "expected", "result"),
    [
        ("==", "20", 20, True),
        ("==", True, "true", True),
        ("==", "on", "on", True),
        ("==", 1, True, False),
        ("!=", "a", "b", True),
        (">", "b", "a", True),
        (">", None, 1, False),
        ("anyValue", None, None, True),
        ("bogus", 1, 1, False),
    ],
)
def test_compare(op: str, actual: Any, expected: Any, result: bool) -> None:
    assert compare(op, actual, expected) is result


def test_check_conditions_accepts_hc3_trees_and_no_conditions() -> None:
    check_conditions({})
    check_conditions([])
    check_conditions(group("all", device(1, True), cron(["0", "7", "*", "*", "1-5", "*"])))
    check_conditions(group("any"))


@pytest.mark.parametrize(
    "bad",
    [
        "text",
        {"operator": "some", "conditions": []},
        {"operator": "all", "conditions": [{"id": 1}]},
        {"operator": "all", "conditions": [{"type": "device", "property": "value"}]},
        {"operator": "all", "conditions": [cron(["99", "*", "*", "*", "*", "*"])]},
        {"operator": "all", "conditions": [cron(["0", "*"])]},
        {"operator": "all", "conditions": [device(1, True, op="=~")]},
    ],
)
def test_check_conditions_refuses_what_is_no_condition_tree(bad: Any) -> None:
    with pytest.raises(ConditionError):
        check_conditions(bad)
