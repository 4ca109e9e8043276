"""Each fibaro.* / plugin.* / api.* function: the REST calls it makes and what it returns."""

from __future__ import annotations

from typing import Any

import pytest
from qa_lua_helpers import FakeHC3, lua, qa_device, start_quickapp

Call = tuple[str, str, Any]

# (Lua expression, the api calls it makes, its first value as a wire value)
CASES: list[tuple[str, list[Call], Any]] = [
    (
        "fibaro.call(5001, 'turnOn')",
        [("POST", "/devices/5001/action/turnOn", {"args": []})],
        None,
    ),
    (
        "select(2, fibaro.call(5001, 'setValue', 42, 'x'))",
        [("POST", "/devices/5001/action/setValue", {"args": [42, "x"]})],
        None,
    ),
    (
        "fibaro.call({5001, 5002}, 'turnOff')",
        [
            ("POST", "/devices/5001/action/turnOff", {"args": []}),
            ("POST", "/devices/5002/action/turnOff", {"args": []}),
        ],
        None,
    ),
    (
        "fibaro.callGroupAction('turnOn', {filters = {{filter = 'roomID', value = {219}}}})",
        [
            (
                "POST",
                "/devices/groupAction/turnOn",
                {"filters": [{"filter": "roomID", "value": [219]}]},
            )
        ],
        [10, 11],
    ),
    (
        "{fibaro.get(5001, 'value')}",
        [("GET", "/devices/5001/properties/value", None)],
        [True, 1700000001],
    ),
    ("fibaro.get(5001, 'nosuch')", [("GET", "/devices/5001/properties/nosuch", None)], None),
    ("fibaro.getValue(5001, 'value')", [("GET", "/devices/5001/properties/value", None)], True),
    ("fibaro.getType(5001)", [("GET", "/devices/5001", None)], "com.fibaro.binarySwitch"),
    ("fibaro.getName(5001)", [("GET", "/devices/5001", None)], "Lamp"),
    ("fibaro.getName(9999)", [("GET", "/devices/9999", None)], None),
    ("fibaro.getRoomID(5001)", [("GET", "/devices/5001", None)], 219),
    (
        "fibaro.getSectionID(5001)",
        [("GET", "/devices/5001", None), ("GET", "/rooms/219", None)],
        7,
    ),
    ("fibaro.getRoomName(219)", [("GET", "/rooms/219", None)], "Kitchen"),
    (
        "fibaro.getRoomNameByDeviceID(5001)",
        [("GET", "/devices/5001", None), ("GET", "/rooms/219", None)],
        "Kitchen",
    ),
    ("fibaro.getDevicesID()", [("GET", "/devices", None)], [5000, 5001]),
    (
        "fibaro.getDevicesID({interfaces = {'quickApp'}, properties = {dead = false}, roomID = 219})",
        [("GET", "/devices/?interface=quickApp&property=[dead,false]&roomID=219", None)],
        [5000, 5001],  # the fake ignores the filter
    ),
    ("fibaro.getIds({{id = 1}, {id = 4}, {id = 70}, 'x'})", [], [4, 70]),
    (
        "{fibaro.getGlobalVariable('Mode')}",
        [("GET", "/globalVariables/Mode", None)],
        ["Home", 1700000000],
    ),
    ("fibaro.getGlobalVariable('Nope')", [("GET", "/globalVariables/Nope", None)], None),
    (
        "fibaro.setGlobalVariable('Mode', 42)",
        [("PUT", "/globalVariables/Mode", {"value": "42", "invokeScenes": True})],
        None,
    ),
    ("fibaro.emitCustomEvent('Wake')", [("POST", "/customEvents/Wake", None)], None),
    (
        "fibaro.scene('execute', {10, 11})",
        [("POST", "/scenes/10/execute", None), ("POST", "/scenes/11/execute", None)],
        None,
    ),
    ("fibaro.scene('kill', {12})", [("POST", "/scenes/12/kill", None)], None),
    (
        "fibaro.profile('activeProfile', 2)",
        [("POST", "/profiles/activeProfile/2", None)],
        None,
    ),
    ("fibaro.alarm(1, 'arm')", [("POST", "/alarms/v1/partitions/1/actions/arm", None)], None),
    (
        "fibaro.alarm(1, 'disarm')",
        [("DELETE", "/alarms/v1/partitions/1/actions/arm", None)],
        None,
    ),
    ("fibaro.alarm('arm')", [("POST", "/alarms/v1/partitions/actions/arm", None)], None),
    ("fibaro.alarm('disarm')", [("DELETE", "/alarms/v1/partitions/actions/arm", None)], None),
    (
        "#fibaro.getPartitions()",
        [("GET", "/alarms/v1/partitions", None)],
        2,
    ),
    ("fibaro.isHomeBreached()", [("GET", "/alarms/v1/partitions/breached", None)], True),
    ("fibaro.isPartitionBreached(2)", [("GET", "/alarms/v1/partitions/breached", None)], True),
    ("fibaro.isPartitionBreached(1)", [("GET", "/alarms/v1/partitions/breached", None)], False),
    ("fibaro.getPartitionArmState(1)", [("GET", "/alarms/v1/partitions/1", None)], "armed"),
    ("fibaro.getPartitionArmState(2)", [("GET", "/alarms/v1/partitions/2", None)], "disarmed"),
    ("fibaro.getHomeArmState()", [("GET", "/alarms/v1/partitions", None)], "partially_armed"),
    (
        "fibaro.alert('email', {2, 3}, 'hi')",
        [
            ("POST", "/devices/2/action/sendGlobalEmailNotifications", {"args": ["hi", "false"]}),
            ("POST", "/devices/3/action/sendGlobalEmailNotifications", {"args": ["hi", "false"]}),
        ],
        None,
    ),
    (
        "fibaro.alert('simplePush', {7}, 'hi')",
        [("POST", "/devices/7/action/sendGlobalPushNotifications", {"args": ["hi", "false"]})],
        None,
    ),
    (
        "fibaro.wakeUpDeadDevice(5001)",
        [("POST", "/devices/1/action/wakeUpDeadDevice", {"args": [5001]})],
        None,
    ),
    ("hub == fibaro", [], True),
    ("plugin.mainDeviceId", [], 5000),
    ("plugin.getDevice(5001).name", [("GET", "/devices/5001", None)], "Lamp"),
    ("plugin.getProperty(5001, 'value')", [("GET", "/devices/5001/properties/value", None)], True),
    ("#plugin.getChildDevices(5000)", [("GET", "/devices?parentId=5000", None)], 1),
    (
        "plugin.createChildDevice({parentId = 5000, type = 'com.fibaro.binarySwitch', name = 'c'}).id",
        [
            (
                "POST",
                "/plugins/createChildDevice",
                {"parentId": 5000, "type": "com.fibaro.binarySwitch", "name": "c"},
            )
        ],
        6001,
    ),
    ("select(2, plugin.deleteDevice(5001))", [("DELETE", "/devices/5001", None)], 200),
    ("plugin.restart()", [("POST", "/plugins/restart", {"deviceId": 5000})], None),
    ("select(2, api.get('/devices/9999'))", [("GET", "/devices/9999", None)], 404),
    ("api.get('/devices/5001').id", [("GET", "/devices/5001", None)], 5001),
    ("api.post('/x/y', {a = 1})", [("POST", "/x/y", {"a": 1})], None),
    ("select(2, api.put('/x/y', {1, 2}))", [("PUT", "/x/y", [1, 2])], 200),
    ("api.delete('/x/y')", [("DELETE", "/x/y", None)], None),
]


def _hc3() -> FakeHC3:
    hc3 = FakeHC3()
    hc3.add(qa_device())
    hc3.add(qa_device(5001, name="Lamp", parent_id=5000, properties={"value": True}))
    return hc3


@pytest.mark.parametrize(("code", "calls", "result"), CASES, ids=[c[0][:60] for c in CASES])
def test_fibaro_function_rest_mapping(code: str, calls: list[Call], result: Any) -> None:
    runtime, host = start_quickapp("", hc3=_hc3())
    start = len(host.hc3.calls)
    value = lua(runtime, code)
    made = host.hc3.calls[start:]
    assert made == calls
    assert value == result


def test_fibaro_call_is_fire_and_forget_for_self() -> None:
    runtime, host = start_quickapp("function QuickApp:onInit() fibaro.call(self.id, 'ping') end")
    assert host.hc3.calls[0] == ("POST", "/devices/5000/action/ping", {"args": []})
    assert host.errors() == []


def test_push_alert_maps_users_to_their_mobile_devices() -> None:
    hc3 = _hc3()
    hc3.add(
        qa_device(
            90, name="phone", type="iOS_device", properties={"lastLoggedUser": 2}, interfaces=[]
        )
    )
    runtime, host = start_quickapp("", hc3=hc3)
    start = len(hc3.calls)
    lua(runtime, "fibaro.alert('push', {2}, 'hello')")
    assert hc3.calls[start:] == [
        ("GET", "/devices?type=iOS_device", None),
        ("POST", "/devices/90/action/sendGlobalPushNotifications", {"args": ["hello", "false"]}),
    ]


def test_sleep_debug_and_timers() -> None:
    runtime, host = start_quickapp("")
    lua(runtime, "fibaro.sleep(250)")
    assert host.slept == [0.25]
    lua(runtime, "fibaro.debug('T', 'a', 1, true) fibaro.trace('T', 'b')")
    lua(runtime, "fibaro.warning('T', 'c') fibaro.error('T', 'd') print('p', 2)")
    assert [(m.level, m.text, m.tag) for m in host.log_messages()] == [
        ("debug", "a 1 true", "T"),
        ("trace", "b", "T"),
        ("warning", "c", "T"),
        ("error", "d", "T"),
        ("debug", "p 2", "QUICKAPP5000"),
    ]
    ref = lua(runtime, "fibaro.setTimeout(1000, function() end)")
    assert isinstance(ref, int) and len(runtime.timers) == 1
    lua(runtime, f"fibaro.clearTimeout({ref})")
    assert len(runtime.timers) == 0
    assert lua(runtime, "fibaro.useAsyncHandler(false)") is False


async def test_fibaro_set_timeout_error_handler_gets_the_error() -> None:
    runtime, host = start_quickapp(
        "fibaro.setTimeout(0, function() error('boom') end, function(e) print('handled', e) end)"
    )
    runtime.run_due_timers()
    assert host.errors() == []
    assert any("handled" in t and "boom" in t for t in host.logs("debug"))


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("fibaro.call('5001', 'turnOn')", "number required"),
        ("fibaro.get(5001)", "string required"),
        ("fibaro.scene('run', {1})", "Available actions: execute, kill"),
        ("fibaro.profile('x', 1)", "Available actions: activeProfile"),
        ("fibaro.alarm(1, 'panic')", "Available parameters: arm, disarm"),
        ("fibaro.alert('fax', {1}, 'm')", "Available parameters: email, push, simplePush"),
        ("fibaro.debug(42, 'x')", "string required"),
        ("fibaro.sleep('1')", "number required"),
        ("fibaro.setTimeout(function() end, 10)", "number required"),
    ],
)
def test_bad_arguments_raise_hc3_errors(code: str, message: str) -> None:
    runtime, host = start_quickapp("")
    with pytest.raises(Exception, match=message):
        runtime.eval(code)


def test_string_split_and_starts() -> None:
    runtime, _ = start_quickapp("")
    assert lua(runtime, "string.split('a,b,,c', ',')") == ["a", "b", "c"]
    assert lua(runtime, "('a b  c'):split()") == ["a", "b", "c"]
    assert lua(runtime, "string.starts('QuickApp', 'Quick')") is True
    assert lua(runtime, "string.starts('QuickApp', 'App')") is False


def test_get_hierarchy_is_type_of() -> None:
    runtime, _ = start_quickapp("")
    assert lua(runtime, "quickApp == nil") is True  # no onInit: no quickApp
    assert lua(runtime, "getHierarchy():isTypeOf('com.fibaro.binarySwitch', 'com.fibaro.actor')")
    assert not lua(
        runtime, "getHierarchy():isTypeOf('com.fibaro.actor', 'com.fibaro.binarySwitch')"
    )


@pytest.mark.parametrize("array_results", [False, True])
def test_api_result_as_map_or_array(array_results: bool) -> None:
    hc3 = _hc3()
    hc3.array_results = array_results
    runtime, _ = start_quickapp("", hc3=hc3)
    assert lua(runtime, "{api.get('/devices/5001')}") == [hc3.devices[5001], 200]
    assert lua(runtime, "{api.delete('/x')}") == {2: 200}  # nil, 200
    assert lua(runtime, "select(2, api.get('/devices/1234'))") == 404
