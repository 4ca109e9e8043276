"""Plain (non-QuickApp) device types and their built-in behaviour, as a z-wave device has.

Theory of operation
-------------------
`TEMPLATES` gives, per HC3 device type, the baseType, interfaces, actions (name -> argument count)
and default properties of a new device. `run_builtin_action(device, action, args)` turns an action
on a plain device into the property updates a real device would report, e.g. `turnOn` on a
binarySwitch -> `value = true`. It is pure: it returns `{property: new value}` and the home model
applies them (which publishes them on refreshStates and persists them). `hierarchy()` is the type
tree of GET /api/devices/hierarchy, built from the same baseType links.

An action a plain device does not have returns `None`: the API still answers 202 (a real HC3
acknowledges every action at once and runs it later; an unknown one just does nothing) and the home
logs a warning line on the console.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["TEMPLATES", "DeviceTemplate", "hierarchy", "run_builtin_action", "template_for"]

DeviceTemplate = dict[str, Any]

_SWITCH_ACTIONS = {"turnOn": 0, "turnOff": 0, "toggle": 0, "setValue": 1}
_DIMMER_ACTIONS = {**_SWITCH_ACTIONS, "setBrightness": 1, "startLevelIncrease": 0,
                   "startLevelDecrease": 0, "stopLevelChange": 0}  # fmt: skip
_SENSOR_ACTIONS = {"setArmed": 1}
_COMMON_PROPS: dict[str, Any] = {"dead": False, "deadReason": "", "userDescription": "",
                                 "categories": ["other"], "manufacturer": "", "model": "",
                                 "saveLogs": True, "log": "", "logTemp": ""}  # fmt: skip

TEMPLATES: dict[str, DeviceTemplate] = {
    "com.fibaro.binarySwitch": {
        "baseType": "com.fibaro.actor",
        "interfaces": ["light", "turnOnOff"],
        "actions": _SWITCH_ACTIONS,
        "properties": {"value": False, "state": False, "isLight": False, "categories": ["lights"]},
    },
    "com.fibaro.multilevelSwitch": {
        "baseType": "com.fibaro.actor",
        "interfaces": ["levelChange", "light", "turnOnOff"],
        "actions": _DIMMER_ACTIONS,
        "properties": {"value": 0, "state": False, "isLight": True, "categories": ["lights"]},
    },
    "com.fibaro.rollerShutter": {
        "baseType": "com.fibaro.remoteBaseShutter",
        "interfaces": ["levelChange"],
        "actions": {"open": 0, "close": 0, "stop": 0, "setValue": 1},
        "properties": {"value": 0, "state": "Closed", "categories": ["blinds"]},
    },
    "com.fibaro.binarySensor": {
        "baseType": "com.fibaro.sensor",
        "interfaces": ["battery"],
        "actions": {**_SENSOR_ACTIONS, "setValue": 1},
        "properties": {
            "value": False,
            "armed": False,
            "batteryLevel": 100,
            "categories": ["security"],
        },
    },
    "com.fibaro.doorSensor": {
        "baseType": "com.fibaro.binarySensor",
        "interfaces": ["battery"],
        "actions": {**_SENSOR_ACTIONS, "setValue": 1},
        "properties": {
            "value": False,
            "armed": False,
            "batteryLevel": 100,
            "categories": ["security"],
        },
    },
    "com.fibaro.motionSensor": {
        "baseType": "com.fibaro.securitySensor",
        "interfaces": ["battery"],
        "actions": {**_SENSOR_ACTIONS, "setValue": 1},
        "properties": {
            "value": False,
            "armed": False,
            "batteryLevel": 100,
            "categories": ["security"],
        },
    },
    "com.fibaro.temperatureSensor": {
        "baseType": "com.fibaro.multilevelSensor",
        "interfaces": ["battery"],
        "actions": {"setValue": 1},
        "properties": {"value": 20.0, "unit": "C", "batteryLevel": 100, "categories": ["climate"]},
    },
    "com.fibaro.multilevelSensor": {
        "baseType": "com.fibaro.sensor",
        "interfaces": [],
        "actions": {"setValue": 1},
        "properties": {"value": 0, "unit": "", "categories": ["other"]},
    },
    "com.fibaro.doorLock": {
        "baseType": "com.fibaro.actor",
        "interfaces": [],
        "actions": {"secure": 0, "unsecure": 0},
        "properties": {"value": False, "secured": 0, "categories": ["security"]},
    },
    "com.fibaro.remoteController": {
        "baseType": "com.fibaro.remoteSceneController",
        "interfaces": ["battery", "zwaveCentralScene"],
        "actions": {},
        "properties": {
            "value": 0,
            "batteryLevel": 100,
            "categories": ["remotes"],
            "centralSceneSupport": [
                {
                    "keyId": 1,
                    "keyAttributes": ["Pressed", "Released", "HeldDown", "Pressed2", "Pressed3"],
                }
            ],
        },  # fmt: skip
    },
}

_GENERIC: DeviceTemplate = {"baseType": "", "interfaces": [], "actions": {}, "properties": {}}


def template_for(device_type: str) -> DeviceTemplate:
    """The template of a type: a known one, or an empty generic one (any HC3 type string is ok)."""
    template = TEMPLATES.get(device_type, _GENERIC)
    return {
        "baseType": template["baseType"],
        "interfaces": list(template["interfaces"]),
        "actions": dict(template["actions"]),
        "properties": {**_COMMON_PROPS, **template["properties"]},
    }


ROOT_TYPE = "com.fibaro.device"
# parents of the templates' base types that are not templates themselves (as on an HC3)
_BASE_PARENTS = {
    "com.fibaro.actor": ROOT_TYPE,
    "com.fibaro.sensor": ROOT_TYPE,
    "com.fibaro.securitySensor": "com.fibaro.binarySensor",
    "com.fibaro.remoteBaseShutter": "com.fibaro.baseShutter",
    "com.fibaro.baseShutter": "com.fibaro.actor",
    "com.fibaro.remoteSceneController": ROOT_TYPE,
}


@functools.cache
def type_parents() -> dict[str, str]:
    """Each known device type's parent type: the templates' baseType links and `_BASE_PARENTS`.
    (Cached: treat the answer as read-only.)"""
    parents = dict(_BASE_PARENTS)
    for device_type, template in TEMPLATES.items():
        parents[device_type] = template["baseType"] or ROOT_TYPE
    return parents


def type_ancestry(device_type: str) -> set[str]:
    """The type and every type above it, up to com.fibaro.device as far as the links go."""
    parents = type_parents()
    out, current = set(), device_type
    while current and current not in out:
        out.add(current)
        current = parents.get(current, "")
    return out


def hierarchy() -> dict[str, Any]:
    """GET /api/devices/hierarchy: `{type, children}` from com.fibaro.device down, built from
    `type_parents` (what `QuickAppBase:isTypeOf` and `getHierarchy()` read)."""
    children: dict[str, list[str]] = {}
    for device_type, parent in type_parents().items():
        children.setdefault(parent, []).append(device_type)

    def node(device_type: str) -> dict[str, Any]:
        kids = sorted(children.get(device_type, []))
        return {"type": device_type, "children": [node(kid) for kid in kids]}

    return node(ROOT_TYPE)


def _number(value: Any, default: float = 0) -> float | int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    try:
        number = float(str(value))
    except ValueError:
        return default
    return int(number) if number.is_integer() else number


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "false", "0", "off")
    return bool(value)


def run_builtin_action(
    device_type: str, properties: dict[str, Any], action: str, args: list[Any]
) -> dict[str, Any] | None:
    """The property updates an action causes on a plain device, or None when it has no such action."""
    value = properties.get("value")
    is_binary = isinstance(value, bool)
    if device_type == "com.fibaro.rollerShutter":
        level = {"open": 99, "close": 0}.get(action)
        if level is not None:
            return {"value": level, "state": "Opened" if level else "Closed"}
        if action == "stop":
            return {}
        if action == "setValue" and args:
            level = max(0, min(99, int(_number(args[0]))))
            return {"value": level, "state": "Opened" if level else "Closed"}
        return None
    if action == "turnOn":
        on = True if is_binary else (properties.get("lastBrightness") or 99)
        return {"value": on, "state": True}
    if action == "turnOff":
        return {"value": False if is_binary else 0, "state": False}
    if action == "toggle":
        if is_binary:
            return {"value": not value, "state": not value}
        return {"value": 0 if _number(value) else 99, "state": not _number(value)}
    if action in ("setValue", "setBrightness") and args:
        if is_binary:
            return {"value": _truthy(args[0]), "state": _truthy(args[0])}
        level = _number(args[0])
        updates: dict[str, Any] = {"value": level}
        if "state" in properties:
            updates["state"] = bool(level)
        if action == "setBrightness" and level:
            updates["lastBrightness"] = level
        return updates
    if action == "setArmed" and args:
        return {"armed": _truthy(args[0])}
    if action in ("secure", "unsecure") and "secured" in properties:
        return {"secured": 255 if action == "secure" else 0, "value": action == "secure"}
    if action in ("startLevelIncrease", "startLevelDecrease", "stopLevelChange"):
        return {}
    return None
