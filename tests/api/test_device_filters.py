"""The HC3 device filter language (POST /api/devices/filter, /devices/groupAction/{action})."""

from __future__ import annotations

import pytest

from plua2.fibaro_api.device_filters import matching
from plua2.fibaro_api.errors import BadRequest

DEVICES = [
    {"id": 100, "name": "Lamp", "type": "com.fibaro.binarySwitch", "baseType": "com.fibaro.actor",
     "roomID": 219, "parentId": 1, "enabled": True, "visible": True, "isPlugin": False,
     "interfaces": ["light"], "properties": {"value": False, "isLight": True}},
    {"id": 101, "name": "Dimmer", "type": "com.fibaro.multilevelSwitch",
     "baseType": "com.fibaro.actor", "roomID": 220, "parentId": 1, "enabled": True,
     "visible": False, "isPlugin": False, "interfaces": [], "properties": {"value": 40}},
    {"id": 5000, "name": "QA", "type": "com.fibaro.binarySwitch", "baseType": "com.fibaro.actor",
     "roomID": 219, "parentId": 0, "enabled": False, "visible": True, "isPlugin": True,
     "interfaces": ["quickApp"], "properties": {"value": True}},
]  # fmt: skip


def ids(filters: object) -> list[int]:
    return [dto["id"] for dto in matching(DEVICES, filters)]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([], [100, 101, 5000]),
        ([{"filter": "deviceID", "value": [100, 5000]}], [100, 5000]),
        ([{"filter": "type", "value": ["com.fibaro.binarySwitch"]}], [100, 5000]),
        ([{"filter": "roomID", "value": [220]}], [101]),
        ([{"filter": "enabled", "value": [True]}], [100, 101]),
        ([{"filter": "visible", "value": ["false"]}], [101]),
        ([{"filter": "interface", "value": ["quickApp", "light"]}], [100, 5000]),
        ([{"filter": "hasProperty", "value": ["isLight"]}], [100]),
        ([{"filter": "isTypeOf", "value": ["com.fibaro.actor"]}], [100, 101, 5000]),
        ([{"filter": "property", "value": ["value", 40]}], [101]),
        # every filter must hold, any value of one filter may match
        (
            [{"filter": "roomID", "value": [219]}, {"filter": "isPlugin", "value": [False]}],
            [100],
        ),
    ],
)
def test_filters_select_the_devices_an_hc3_would(filters: object, expected: list[int]) -> None:
    assert ids(filters) == expected


@pytest.mark.parametrize(
    "filters",
    [
        "roomID",
        [{"filter": "colour", "value": ["red"]}],
        [{"value": [1]}],
        [{"filter": "property", "value": ["value"]}],
    ],
)
def test_a_malformed_or_unknown_filter_is_a_bad_request(filters: object) -> None:
    with pytest.raises(BadRequest):
        ids(filters)
