"""The home model without HTTP: refreshStates, actions, the ActionSink, QuickApp plumbing."""

from __future__ import annotations

from typing import Any

import trio
import trio.testing
from plua2.fibaro_api.home import Home
from plua2.fibaro_api.quickapps import create_child, create_quickapp
from plua2.fibaro_api.refresh_states import RefreshStates


class RecordingSink:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def deliver_action(self, device_id: int, action_name: str, args: list[Any]) -> None:
        self.calls.append(("action", device_id, action_name, args))

    def deliver_ui_event(self, device_id: int, event: dict[str, Any]) -> None:
        self.calls.append(("ui", device_id, event))


def _home() -> Home:
    home = Home()
    home.create_device("Lamp", "com.fibaro.binarySwitch", device_id=100)
    home.create_device("Dimmer", "com.fibaro.multilevelSwitch", device_id=101)
    return home


def test_update_property_gives_a_change_and_an_event() -> None:
    home = _home()
    last = home.refresh.last
    assert home.update_property(100, "value", True)
    answer = home.refresh.answer(last)
    assert answer["changes"] == [{"id": 100, "value": True}]
    assert answer["events"][0]["type"] == "DevicePropertyUpdatedEvent"
    assert answer["events"][0]["data"] == {
        "id": 100, "property": "value", "newValue": True, "oldValue": False,
    }  # fmt: skip
    assert answer["last"] == last + 1


def test_same_value_is_no_change_and_changes_merge_per_device() -> None:
    home = _home()
    last = home.refresh.last
    assert not home.update_property(100, "value", False)
    assert home.refresh.last == last
    home.update_property(101, "value", 10)
    home.update_property(100, "value", True)
    home.update_property(101, "value", 20)
    assert home.refresh.answer(last)["changes"] == [
        {"id": 101, "value": 20}, {"id": 100, "value": True},
    ]  # fmt: skip


def test_device_json_cache_follows_changes() -> None:
    home = _home()
    before = home.devices.get(100).json()
    listed = home.devices.list_json()
    home.update_property(100, "value", True)
    assert home.devices.get(100).json() != before
    assert home.devices.list_json() != listed and b'"value":true' in home.devices.list_json()


def test_builtin_actions_behave_like_zwave_devices() -> None:
    home = _home()
    home.call_action(100, "turnOn", [])
    assert home.devices.get(100).properties["value"] is True
    home.call_action(100, "toggle", [])
    assert home.devices.get(100).properties["value"] is False
    home.call_action(101, "setValue", [42])
    assert home.devices.get(101).properties["value"] == 42
    home.call_action(101, "turnOff", [])
    assert home.devices.get(101).properties["value"] == 0
    home.call_action(100, "fly", [])  # unknown: nothing changes, a console warning
    assert "fly" in home.console.page()["messages"][0]["message"]


def test_quickapp_actions_and_ui_events_go_to_the_sink_in_order() -> None:
    home = _home()
    sink = RecordingSink()
    home.action_sink = sink
    qa = create_quickapp(home, "QA", "com.fibaro.binarySwitch")
    child = create_child(home, {"parentId": qa.id, "type": "com.fibaro.binarySwitch", "name": "c"})
    assert qa.id >= 5000 and child.dto["parentId"] == qa.id
    assert home.quickapp_of(child.id) == qa.id and home.quickapp_of(100) is None
    for n in range(5):
        home.call_action(qa.id, "step", [n])
    home.ui_event(child.id, "onReleased", "btn", [])
    assert [c[3] for c in sink.calls[:5]] == [[0], [1], [2], [3], [4]]
    assert sink.calls[5] == (
        "ui", child.id,
        {"deviceId": child.id, "eventType": "onReleased", "elementName": "btn", "values": []},
    )  # fmt: skip
    home.delete_device(qa.id)
    assert child.id not in home.devices


def test_global_variable_events() -> None:
    home = _home()
    last = home.refresh.last
    home.variables.add_global({"name": "A", "value": 1})
    home.variables.set_global("A", "2")
    home.variables.delete_global("A")
    types = [e["type"] for e in home.refresh.answer(last)["events"]]
    assert types == [
        "GlobalVariableAddedEvent", "GlobalVariableChangedEvent", "GlobalVariableRemovedEvent",
    ]  # fmt: skip


def test_history_is_bounded_and_a_stale_counter_resynchronises() -> None:
    refresh = RefreshStates(capacity=10)
    for n in range(50):
        refresh.publish("CustomEvent", {"name": str(n)})
    assert len(refresh.answer(1)["events"]) == 10
    assert refresh.answer(10_000) == {**refresh.answer(10_000), "events": [], "last": 51}
    assert refresh.is_ready(10_000) and refresh.is_ready(0) and not refresh.is_ready(51)


async def test_a_fresh_counter_is_not_zero_so_the_second_poll_waits(autojump_clock) -> None:  # type: ignore[no-untyped-def]
    refresh = RefreshStates(poll_timeout=30)
    first = refresh.answer(0)
    assert first["last"] > 0 and not refresh.is_ready(first["last"])
    start = trio.current_time()
    await refresh.wait(first["last"])
    assert trio.current_time() - start >= 30


async def test_a_change_wakes_a_waiting_poll_at_once() -> None:
    refresh = RefreshStates(poll_timeout=30)
    refresh.publish("CustomEvent", {"name": "x"})
    woke_at: list[float] = []

    async def poll() -> None:
        await refresh.wait(refresh.last)
        woke_at.append(trio.current_time())

    async with trio.open_nursery() as nursery:
        nursery.start_soon(poll)
        nursery.start_soon(poll)
        await trio.testing.wait_all_tasks_blocked()
        start = trio.current_time()
        refresh.property_updated(1, "value", 1, 0)
    assert len(woke_at) == 2 and max(woke_at) - start < 0.1


async def test_a_poll_without_news_holds_for_the_timeout(autojump_clock) -> None:  # type: ignore[no-untyped-def]
    refresh = RefreshStates(poll_timeout=30)
    refresh.publish("CustomEvent", {"name": "x"})
    start = trio.current_time()
    await refresh.wait(refresh.last)
    assert 29.9 < trio.current_time() - start < 30.1
    start = trio.current_time()
    await refresh.wait(0)
    assert trio.current_time() == start


def test_console_pages_newest_first() -> None:
    home = Home()
    for n in range(150):
        home.console.add(5000, "debug", "QUICKAPP5000", f"line {n}")
    page = home.console.page()
    assert page["messages"][0]["message"] == "line 149" and len(page["messages"]) == 100
    older = home.console.page(last=page["nextLast"])
    assert older["messages"][0]["message"] == "line 49" and older["nextLast"] == 0
    assert home.console.page(types={"error"})["messages"] == []


def test_a_value_json_cannot_carry_is_refused_before_anything_changes() -> None:
    import pytest
    from plua2.fibaro_api.errors import BadRequest

    home = _home()
    last = home.refresh.last
    with pytest.raises(BadRequest):
        home.update_property(100, "value", b"\x00bytes")
    assert home.devices.get(100).properties["value"] is False and home.refresh.last == last
