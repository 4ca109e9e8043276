"""`--%%u` rows to the HC3's viewLayout, uiView and uiCallbacks, and back (quickapp_ui)."""

from __future__ import annotations

import pytest
from plua2.fibaro_api.headers import parse_headers
from plua2.fibaro_api.quickapp_ui import (
    build_ui_callbacks,
    build_ui_view,
    build_view_layout,
    normalize_row,
    rows_from_view,
)
from quickapp_helpers import check_schema, load_spec, schema

ROWS = parse_headers(
    """\
--%%u={{button='btnOn',text='On',onReleased='turnOn'},{button='btnOff',text='Off',onLongPressDown='hold'}}
--%%u={slider='dim',min=0,max=99,step=1,onChanged='setLevel'}
--%%u={label='status',text='Status'}
--%%u={switch='sw',text='Enabled',value=true,onReleased='toggle',onToggled='toggled'}
--%%u={select='mode',text='Mode',options={{text='Auto',value='auto'}},onToggled='setMode'}
--%%u={multi='days',options={{text='Mon',value='1'},{text='Tue',value='2'}},values={'1'},onToggled='setDays'}
"""
).ui_rows


def items(layout: dict) -> list:
    return layout["$jason"]["body"]["sections"]["items"]


def test_view_layout_row_shapes_match_the_hc3() -> None:
    layout = build_view_layout(ROWS, device_id=57)
    assert layout["$jason"]["head"] == {"title": "quickApp_device_57"}
    assert layout["$jason"]["body"]["header"] == {
        "style": {"height": "0"},
        "title": "quickApp_device_57",
    }
    first, second, third = items(layout)[:3]
    assert first == {
        "type": "vertical",
        "style": {"weight": "1.2"},
        "components": [
            {
                "type": "horizontal",
                "style": {"weight": "1.2"},
                "components": [
                    {
                        "type": "button",
                        "name": "btnOn",
                        "text": "On",
                        "visible": True,
                        "style": {"weight": "0.50"},
                    },
                    {
                        "type": "button",
                        "name": "btnOff",
                        "text": "Off",
                        "visible": True,
                        "style": {"weight": "0.50"},
                    },
                ],
            },
            {"type": "space", "style": {"weight": "0.5"}},
        ],
    }
    assert second["components"][0] == {
        "type": "slider",
        "name": "dim",
        "text": "",
        "min": "0",
        "max": "99",
        "step": "1",
        "value": "0",
        "visible": True,
        "style": {"weight": "1.2"},
    }
    assert third["components"][0] == {
        "type": "label",
        "name": "status",
        "text": "Status",
        "visible": True,
        "style": {"weight": "1.2"},
    }


def test_view_layout_switch_and_selects() -> None:
    switch, select, multi = (item["components"][0] for item in items(build_view_layout(ROWS))[3:])
    assert switch["type"] == "switch" and switch["value"] == "true"
    assert select["type"] == "select" and select["selectionType"] == "single"
    assert select["options"] == [{"type": "option", "text": "Auto", "value": "auto"}]
    assert select["values"] == []
    assert multi["type"] == "select" and multi["selectionType"] == "multi"
    assert multi["values"] == ["1"]


@pytest.mark.parametrize(("count", "weight"), [(2, "0.50"), (3, "0.33"), (4, "0.25"), (5, "0.20")])
def test_view_layout_weights_by_elements_per_row(count: int, weight: str) -> None:
    row = tuple({"button": f"b{i}"} for i in range(count))
    horizontal = items(build_view_layout([row]))[0]["components"][0]
    assert {c["style"]["weight"] for c in horizontal["components"]} == {weight}


def test_ui_view_rows_and_event_bindings() -> None:
    view = build_ui_view(ROWS)
    assert [row["type"] for row in view] == ["horizontal"] * 6
    assert {row["style"]["weight"] for row in view} == {"1.0"}
    on, off = view[0]["components"]
    assert on["style"] == {"weight": "0.5"}
    assert on["eventBinding"] == {
        event: [
            {
                "type": "deviceAction",
                "params": {"actionName": "UIAction", "args": [event, "btnOn"]},
            }
        ]
        for event in ("onReleased", "onLongPressDown", "onLongPressReleased")
    }
    slider = view[1]["components"][0]
    assert "text" not in slider and slider["max"] == "99"
    assert slider["eventBinding"]["onChanged"][0]["params"]["args"] == [
        "onChanged",
        "dim",
        "$event.value",
    ]
    label = view[2]["components"][0]
    assert "eventBinding" not in label and label["style"] == {"weight": "1.0"}
    switch = view[3]["components"][0]
    assert switch["eventBinding"]["onReleased"][0]["params"]["args"][2] == "$event.value"
    assert set(switch["eventBinding"]) == {
        "onReleased",
        "onLongPressDown",
        "onLongPressReleased",
        "onToggled",
    }
    select = view[4]["components"][0]
    assert select["eventBinding"]["onToggled"][0]["params"]["args"] == [
        "onToggled",
        "mode",
        "$event.value",
    ]


def test_ui_callbacks_list_every_event_with_empty_callbacks() -> None:
    callbacks = build_ui_callbacks(ROWS)
    assert callbacks[:4] == [
        {"name": "btnOn", "eventType": "onReleased", "callback": "turnOn"},
        {"name": "btnOn", "eventType": "onLongPressDown", "callback": ""},
        {"name": "btnOn", "eventType": "onLongPressReleased", "callback": ""},
        {"name": "btnOff", "eventType": "onReleased", "callback": ""},
    ]
    named = {(c["name"], c["eventType"]): c["callback"] for c in callbacks}
    assert named[("btnOff", "onLongPressDown")] == "hold"
    assert named[("dim", "onChanged")] == "setLevel"
    assert named[("sw", "onToggled")] == "toggled"
    assert named[("mode", "onToggled")] == "setMode"
    assert named[("days", "onToggled")] == "setDays"
    assert not any(c["name"] == "status" for c in callbacks)


def test_empty_ui() -> None:
    assert items(build_view_layout([])) == []
    assert build_ui_view([]) == [] and build_ui_callbacks([]) == []


@pytest.mark.parametrize("use_ui_view", [False, True])
def test_rows_come_back_from_either_structure(use_ui_view: bool) -> None:
    layout = build_view_layout(ROWS) if not use_ui_view else {}
    view = build_ui_view(ROWS) if use_ui_view else []
    rows, warnings = rows_from_view(layout, view, build_ui_callbacks(ROWS), use_ui_view)
    assert warnings == []
    for built in (build_view_layout, build_ui_view, build_ui_callbacks):
        assert built(rows) == built(ROWS)


def test_rows_from_view_reports_what_it_cannot_say() -> None:
    layout = {
        "$jason": {
            "body": {
                "sections": {
                    "items": [
                        {
                            "type": "vertical",
                            "components": [
                                {"type": "image", "name": "img", "url": "x"},
                                {"type": "button", "name": "b"},
                            ],
                        }
                    ]
                }
            }
        }
    }
    callbacks = [
        {"name": "ghost", "eventType": "onReleased", "callback": "boo"},
        {"name": "b", "eventType": "onReleased", "callback": "press"},
    ]
    rows, warnings = rows_from_view(layout, [], callbacks)
    assert rows == (({"button": "b", "onReleased": "press"},),)
    assert len(warnings) == 2 and "image" in warnings[0] and "ghost" in warnings[1]


@pytest.mark.parametrize(
    "value",
    [5, [], [5], {"button": "a", "label": "b"}, {"button": 3}, {"button": "b", "onReleased": 1}],
)
def test_normalize_row_rejects_what_is_no_row(value: object) -> None:
    with pytest.raises(ValueError):
        normalize_row(value)


# ---- against the HC3's own OpenAPI files (skipped when ../shared is absent) -----------------


def test_ui_callbacks_fit_the_device_properties_schema() -> None:
    devices = load_spec("devices.json")
    props = schema(devices, "DevicePropertiesDto")["properties"]
    check_schema(build_ui_callbacks(ROWS), props["uiCallbacks"], devices, "uiCallbacks")
    check_schema(build_view_layout(ROWS), props["viewLayout"], devices, "viewLayout")
    check_schema(False, props["useUiView"], devices, "useUiView")
    # The spec calls uiView an object; REFERENCE.md §4.3 and real exports carry a list of rows.


def test_ui_event_types_are_the_hc3s() -> None:
    plugins = load_spec("plugins.json")
    event_type = schema(plugins, "UiEventType")
    for callback in build_ui_callbacks(ROWS):
        check_schema(callback["eventType"], event_type, plugins, "eventType")
    for row in build_ui_view(ROWS):
        for component in row["components"]:
            for event in component.get("eventBinding", {}):
                check_schema(event, event_type, plugins, "eventBinding")
