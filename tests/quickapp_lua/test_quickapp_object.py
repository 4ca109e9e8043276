"""QuickAppBase / QuickApp / QuickAppChild in-process over a fake HC3: start-up, methods and their
REST calls, children, actions and UI events."""

from __future__ import annotations

from typing import Any

import pytest
from qa_lua_helpers import QA_ID, FakeHC3, lua, notify, qa_device, start_quickapp

CHILD_QA = """
class 'Lamp'(QuickAppChild)
function Lamp:__init(device) QuickAppChild.__init(self, device) self:debug("lamp init", self.id) end
function Lamp:turnOn(level) self:updateProperty("value", true) print("lamp on", self.id, level) end

function QuickApp:onInit()
  self:debug("onInit", self.id, self.name)
  self:initChildDevices({["com.fibaro.binarySwitch"] = Lamp})
end
function QuickApp:turnOn(a, b) print("qa on", a, b) end
function QuickApp:button1Pressed(event) print("pressed", event.elementName, event.eventType, event.values[1]) end
"""


def _home() -> tuple[FakeHC3, dict[str, Any], dict[str, Any]]:
    hc3 = FakeHC3()
    qa = hc3.add(
        qa_device(
            properties={
                "value": False,
                "quickAppVariables": [{"name": "ip", "value": "10.0.0.1"}],
                "uiCallbacks": [
                    {"name": "button1", "eventType": "onReleased", "callback": "button1Pressed"},
                    {"name": "slider", "eventType": "onChanged", "callback": ""},
                ],
            }
        )
    )
    child = hc3.add(qa_device(5100, name="Lamp 1", parent_id=QA_ID, interfaces=["quickAppChild"]))
    return hc3, qa, child


def test_start_up_sets_tag_main_device_and_quickapp_then_children() -> None:
    hc3, qa, child = _home()
    runtime, host = start_quickapp(CHILD_QA, hc3=hc3, children=[child])
    assert host.errors() == []
    assert host.logs("debug") == ["onInit 5000 My QA", "lamp init 5100"]
    assert lua(runtime, "__TAG") == "QUICKAPP5000"
    assert lua(runtime, "plugin.mainDeviceId") == 5000
    assert lua(runtime, "quickApp.childDevices[5100].parent == quickApp") is True
    assert lua(runtime, "quickApp.childDevices[5100].name") == "Lamp 1"
    assert hc3.calls == []  # the children came with the Load options: no GET needed


def test_init_child_devices_runs_after_on_init_when_the_qa_did_not_call_it() -> None:
    hc3, qa, child = _home()
    runtime, host = start_quickapp("function QuickApp:onInit() print('init') end", hc3=hc3)
    assert hc3.calls == [("GET", "/devices?parentId=5000", None)]
    assert lua(runtime, "tostring(quickApp.childDevices[5100] ~= nil)") == "true"
    # the base class is used, and the HC3's error line is logged
    assert any("Using base class: QuickAppChild" in t for t in host.logs("error"))


def test_no_on_init_no_quickapp() -> None:
    runtime, host = start_quickapp("function QuickApp:turnOn() end")
    assert lua(runtime, "quickApp == nil") is True
    notify(runtime, "action", QA_ID, "turnOn", [])
    assert any("not running" in t for t in host.logs("warning"))


def test_user_tag_set_in_main_is_kept() -> None:
    runtime, host = start_quickapp("__TAG = 'Mine' function QuickApp:onInit() self:debug('x') end")
    assert [(m.tag, m.text) for m in host.log_messages()] == [("Mine", "x")]


def test_files_load_before_main_in_order_with_their_chunk_names() -> None:
    files = [
        {"name": "utils", "content": "ORDER = {'utils'} function where() error('in utils') end"},
        {"name": "more", "content": "ORDER[#ORDER + 1] = 'more'"},
    ]
    runtime, host = start_quickapp(
        "ORDER[#ORDER + 1] = 'main' function QuickApp:onInit() where() end", files=files
    )
    assert lua(runtime, "table.concat(ORDER, ',')") == "utils,more,main"
    [error] = host.errors()
    assert error.where == "init" and "utils:1: in utils" in error.message
    assert "onInit" in error.traceback


def test_syntax_error_in_a_file_is_a_load_error() -> None:
    runtime, host = start_quickapp("", files=[{"name": "bad", "content": "x = = 1"}])
    [error] = host.errors()
    assert error.where == "load" and "bad:1:" in error.message


def test_error_in_on_init_is_init_error_and_timers_keep_running() -> None:
    runtime, host = start_quickapp(
        "function QuickApp:onInit() setTimeout(function() print('tick') end, 0) error('broken') end"
    )
    [error] = host.errors()
    assert error.where == "init" and "main:1: broken" in error.message
    runtime.run_due_timers()
    assert "tick" in host.logs("debug")


def test_update_property_view_and_variables() -> None:
    hc3, qa, _ = _home()
    runtime, host = start_quickapp("function QuickApp:onInit() end", hc3=hc3, children=[])
    lua(runtime, "quickApp:updateProperty('value', true)")
    lua(runtime, "quickApp:updateView('label1', 'text', 'Hello')")
    assert lua(runtime, "quickApp:getVariable('ip')") == "10.0.0.1"
    assert lua(runtime, "quickApp:getVariable('missing')") == ""
    lua(runtime, "quickApp:setVariable('ip', '10.0.0.2')")
    lua(runtime, "quickApp:setVariable('port', 80)")
    assert hc3.calls == [
        (
            "POST",
            "/plugins/updateProperty",
            {"deviceId": 5000, "propertyName": "value", "value": True},
        ),
        (
            "POST",
            "/plugins/updateView",
            {
                "deviceId": 5000,
                "componentName": "label1",
                "propertyName": "text",
                "newValue": "Hello",
            },
        ),
        (
            "POST",
            "/plugins/updateProperty",
            {
                "deviceId": 5000,
                "propertyName": "quickAppVariables",
                "value": [{"name": "ip", "value": "10.0.0.2"}],
            },
        ),
        (
            "POST",
            "/plugins/updateProperty",
            {
                "deviceId": 5000,
                "propertyName": "quickAppVariables",
                "value": [{"name": "ip", "value": "10.0.0.2"}, {"name": "port", "value": 80}],
            },
        ),
    ]
    assert lua(runtime, "quickApp.properties.value") is True
    assert lua(runtime, "quickApp:getVariable('port')") == 80


def test_internal_storage() -> None:
    runtime, host = start_quickapp("function QuickApp:onInit() end", children=[])
    hc3 = host.hc3
    assert lua(runtime, "quickApp:internalStorageSet('k', {a = 1})") == 201
    assert lua(runtime, "quickApp:internalStorageSet('k', 'v2', true)") == 200
    assert lua(runtime, "quickApp:internalStorageGet('k')") == "v2"
    assert lua(runtime, "quickApp:internalStorageGet('none')") is None
    assert lua(runtime, "quickApp:internalStorageGet()") == {"k": "v2"}
    lua(runtime, "quickApp:internalStorageRemove('k')")
    lua(runtime, "quickApp:internalStorageClear()")
    assert hc3.calls == [
        ("PUT", "/plugins/5000/variables/k", {"name": "k", "value": {"a": 1}, "isHidden": False}),
        ("POST", "/plugins/5000/variables", {"name": "k", "value": {"a": 1}, "isHidden": False}),
        ("PUT", "/plugins/5000/variables/k", {"name": "k", "value": "v2", "isHidden": True}),
        ("GET", "/plugins/5000/variables/k", None),
        ("GET", "/plugins/5000/variables/none", None),
        ("GET", "/plugins/5000/variables", None),
        ("DELETE", "/plugins/5000/variables/k", None),
        ("DELETE", "/plugins/5000/variables", None),
    ]


def test_name_enabled_visible_and_interfaces() -> None:
    runtime, host = start_quickapp("function QuickApp:onInit() end", children=[])
    hc3 = host.hc3
    lua(runtime, "quickApp:setName('New')")
    lua(runtime, "quickApp:setEnabled(false)")
    lua(runtime, "quickApp:setVisible(false)")
    lua(runtime, "quickApp:addInterfaces({'energy', 'power'})")
    lua(runtime, "quickApp:deleteInterfaces({'power'})")
    assert hc3.calls == [
        ("PUT", "/devices/5000", {"name": "New"}),
        ("PUT", "/devices/5000", {"enabled": False}),
        ("PUT", "/devices/5000", {"visible": False}),
        (
            "POST",
            "/plugins/interfaces",
            {"action": "add", "deviceId": 5000, "interfaces": ["energy", "power"]},
        ),
        (
            "POST",
            "/plugins/interfaces",
            {"action": "delete", "deviceId": 5000, "interfaces": ["power"]},
        ),
    ]
    assert lua(runtime, "quickApp.interfaces") == ["quickApp", "energy"]
    assert lua(runtime, "quickApp:hasInterface('energy')") is True
    assert lua(runtime, "quickApp:hasInterface('power')") is False
    assert lua(runtime, "quickApp.name") == "New"
    assert lua(runtime, "quickApp:isTypeOf('com.fibaro.actor')") is True
    assert lua(runtime, "quickApp:isTypeOf('com.fibaro.multilevelSwitch')") is False
    with pytest.raises(Exception, match="boolean required"):
        runtime.eval("quickApp:setEnabled('yes')")


def test_create_and_remove_child_device() -> None:
    runtime, host = start_quickapp(
        """
        class 'Kid'(QuickAppChild)
        function Kid:__init(d) QuickAppChild.__init(self, d) end
        function QuickApp:onInit()
          self.kid = self:createChildDevice({name = 'kid', type = 'com.fibaro.binarySwitch',
            initialProperties = {value = true}, initialInterfaces = {'energy'}}, Kid)
        end
        """,
        children=[],
    )
    hc3 = host.hc3
    assert hc3.calls[0] == (
        "POST",
        "/plugins/createChildDevice",
        {
            "name": "kid",
            "type": "com.fibaro.binarySwitch",
            "parentId": 5000,
            "initialProperties": {"value": True},
            "initialInterfaces": ["energy", "quickAppChild"],
        },
    )
    assert lua(runtime, "quickApp.childDevices[6001] == quickApp.kid") is True
    assert lua(runtime, "quickApp.kid.parent == quickApp") is True
    assert lua(runtime, "tostring(quickApp.kid)") == "Kid object"
    assert lua(runtime, "quickApp.kid.properties.value") is True
    lua(runtime, "quickApp:removeChildDevice(6001)")
    assert hc3.calls[-1] == ("DELETE", "/plugins/removeChildDevice/6001", None)
    assert lua(runtime, "quickApp.childDevices[6001] == nil") is True


def test_create_child_device_failure_is_an_error() -> None:
    hc3 = FakeHC3()
    hc3.canned[("POST", "/plugins/createChildDevice")] = (400, {"type": "ERROR"})
    runtime, host = start_quickapp(
        "function QuickApp:onInit() self:createChildDevice({name='k', type='t'}) end", hc3=hc3
    )
    [error] = host.errors()
    assert error.where == "init" and "Can't create child device (status 400)" in error.message


def test_actions_reach_the_qa_and_its_children() -> None:
    hc3, qa, child = _home()
    runtime, host = start_quickapp(CHILD_QA, hc3=hc3, children=[child])
    notify(runtime, "action", QA_ID, "turnOn", [1, "two"])
    notify(runtime, "action", 5100, "turnOn", [75])
    notify(runtime, "action", 5999, "turnOn", [])
    notify(runtime, "action", QA_ID, "noSuchMethod", [])
    assert host.logs("debug")[-2:] == ["qa on 1 two", "lamp on 5100 75"]
    assert hc3.calls[-1] == (
        "POST",
        "/plugins/updateProperty",
        {"deviceId": 5100, "propertyName": "value", "value": True},
    )
    assert "Child with id:5999 not found" in host.logs("error")
    assert any("'noSuchMethod'" in t for t in host.logs("warning"))
    assert host.errors() == []


def test_action_handler_takes_every_action() -> None:
    runtime, host = start_quickapp(
        """
        function QuickApp:onInit() end
        function QuickApp:turnOn() print('not me') end
        function QuickApp:actionHandler(e) print('handler', e.deviceId, e.actionName, #e.args) end
        """,
        children=[],
    )
    notify(runtime, "action", QA_ID, "turnOn", [1, 2])
    assert host.logs("debug") == ["handler 5000 turnOn 2"]


def test_error_in_an_action_is_a_callback_error_with_traceback_and_the_next_action_runs() -> None:
    runtime, host = start_quickapp(
        """
        function QuickApp:onInit() end
        function QuickApp:fail() error('action broke') end
        function QuickApp:ok() print('ok') end
        """,
        children=[],
    )
    notify(runtime, "action", QA_ID, "fail", [])
    notify(runtime, "action", QA_ID, "ok", [])
    [error] = host.errors()
    assert error.where == "callback" and "main:3: action broke" in error.message
    assert "stack traceback" in error.traceback and "main:3:" in error.traceback
    assert "callAction" in error.traceback and "onAction" in error.traceback
    assert host.logs("debug") == ["ok"]


def _ui_event(element: str, event_type: str, values: list[Any], device: int = QA_ID) -> dict:
    return {"deviceId": device, "eventType": event_type, "elementName": element, "values": values}


def test_ui_events_reach_the_ui_callbacks_method() -> None:
    hc3, qa, child = _home()
    runtime, host = start_quickapp(
        CHILD_QA + "function QuickApp:sliderClicked(e) print('slider', e.values[1]) end",
        hc3=hc3,
        children=[child],
    )
    notify(runtime, "uiEvent", _ui_event("button1", "onReleased", []))
    notify(runtime, "uiEvent", _ui_event("slider", "onChanged", [42]))  # callback "": fallback
    notify(runtime, "uiEvent", _ui_event("label9", "onReleased", []))
    assert host.logs("debug")[-2:] == ["pressed button1 onReleased nil", "slider 42"]
    assert "UI callback for element:label9 not found." in host.logs("warning")


def test_ui_action_action_turns_into_a_ui_event() -> None:
    hc3, qa, child = _home()
    runtime, host = start_quickapp(CHILD_QA, hc3=hc3, children=[child])
    notify(runtime, "action", QA_ID, "UIAction", ["onReleased", "button1", 7])
    assert host.logs("debug")[-1] == "pressed button1 onReleased 7"


def test_register_ui_callback_and_ui_handler() -> None:
    runtime, host = start_quickapp(
        """
        function QuickApp:onInit() self:registerUICallback('b2', 'onReleased', 'b2Pressed') end
        function QuickApp:b2Pressed(e) print('b2', e.deviceId) end
        """,
        children=[],
    )
    notify(runtime, "uiEvent", _ui_event("b2", "onReleased", []))
    assert host.logs("debug") == ["b2 5000"]
    lua(runtime, "function QuickApp:UIHandler(e) print('all', e.elementName) end")
    notify(runtime, "uiEvent", _ui_event("b2", "onReleased", []))
    assert host.logs("debug")[-1] == "all b2"


def test_ui_event_for_a_child_uses_the_childs_callbacks() -> None:
    hc3 = FakeHC3()
    hc3.add(qa_device())
    child = hc3.add(
        qa_device(
            5100,
            parent_id=QA_ID,
            properties={
                "uiCallbacks": [{"name": "b", "eventType": "onReleased", "callback": "press"}]
            },
        )
    )
    runtime, host = start_quickapp(
        """
        class 'Kid'(QuickAppChild)
        function Kid:press(e) print('kid pressed', self.id) end
        function QuickApp:onInit() self:initChildDevices({['com.fibaro.binarySwitch'] = Kid}) end
        """,
        hc3=hc3,
        children=[child],
    )
    notify(runtime, "uiEvent", _ui_event("b", "onReleased", [], device=5100))
    assert host.logs("debug") == ["kid pressed 5100"]


def test_user_may_replace_on_action() -> None:
    runtime, host = start_quickapp(
        "function QuickApp:onInit() end function onAction(id, e) print('mine', id, e.actionName) end",
        children=[],
    )
    notify(runtime, "action", QA_ID, "x", [])
    assert host.logs("debug") == ["mine 5000 x"]


def test_call_action_and_logging_methods() -> None:
    runtime, host = start_quickapp(
        "function QuickApp:onInit() end function QuickApp:add(a, b) return a + b end", children=[]
    )
    assert lua(runtime, "quickApp:callAction('add', 2, 3)") == 5
    lua(
        runtime, "quickApp:debug('d') quickApp:trace('t') quickApp:warning('w') quickApp:error('e')"
    )
    assert [(m.level, m.text) for m in host.log_messages()] == [
        ("debug", "d"),
        ("trace", "t"),
        ("warning", "w"),
        ("error", "e"),
    ]
