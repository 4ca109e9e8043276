"""Lua scene conditions as on the HC3: which event starts which scene, and with what sourceTrigger.

Theory of operation
-------------------
Pure code: no trio, no processes, no clock of its own. The supervisor (supervisor/scene_workers.py)
turns each refreshStates event and each minute of the emulated clock into *triggers* and asks
`scene_fires(conditions, trigger, state)` for every enabled scene; `state` (a `SceneState`) is how
the evaluation reads the home as it is now.

The conditions of an HC3 Lua scene (fibaro.com/dev/docs/scenes/conditions) are one tree:

    group  = {operator = "all" | "any", conditions = {node, ...}}
    leaf   = {type = ..., id = ..., property = ..., operator = ..., value = ..., isTrigger = bool}

A scene starts when an event matches a leaf with `isTrigger = true` and then the whole tree holds,
the matched leaf counting as true and every other leaf being checked against the home as it is now
(a device leaf reads the property, a global-variable leaf the variable, a date leaf the clock). A
leaf about a moment (a custom event, se-start, a central scene event) is only true as the trigger.

Leaves understood (anything else is accepted and never holds):

| type              | property            | operator                        | value                  |
|-------------------|---------------------|---------------------------------|------------------------|
| device            | any property        | == != > >= < <= anyValue        | any (a map for         |
|                   | (centralSceneEvent) |                                 | centralSceneEvent)     |
| global-variable   | the variable's name | == != > >= < <= anyValue        | string / number        |
| custom-event      | the event's name    | ==                              | -                      |
| profile           | activeProfile       | == !=                           | profile id             |
| date              | cron                | match match== match!= match>    | {min, hour, day,       |
|                   |                     | match>= match< match<=          |  month, weekday, year} |
|                   |                     | matchInterval                   | {date=cron, interval=s}|
| date              | sunrise / sunset    | == (trigger), also < <= > >=    | offset in minutes      |
| se-start          | start               | ==                              | true                   |

Cron fields are strings (or numbers): `*`, `5`, `1,3,5`, `1-5`, `*/15`, `10-50/10`. The weekday is
Lua's `os.date("*t").wday`: 1 = Sunday ... 7 = Saturday. `match` (and `match==`) holds when every
field matches the minute; `match<` ... `match>=` compare the minute with the moment the fields
name (`*` meaning "the current one"), e.g. `{"00","18","*","*","*","*"}` with `match>=` is "from
18:00 on"; `matchInterval` holds every `interval` seconds from `date` on. Only `match`, `match==`
and `matchInterval` leaves (and sunrise/sunset with `==`) start a scene; the others are conditions.

Comparisons: numbers and numeric strings compare as numbers (a global variable "20" equals 20),
"true"/"false" equal the booleans, a map value matches when each of its keys is equal (so
`{keyId=1, keyAttribute="Pressed"}` matches a central scene event). `duration` is not supported:
a leaf holds at once.

sourceTrigger (what the scene's actions see), by trigger:
`{type="device", id, property, value}`, `{type="global-variable", property, value}`,
`{type="custom-event", property}`, `{type="profile", property="activeProfile", value}`,
`{type="date", property="cron", value={min, hour, day, month, weekday, year}}` (strings),
`{type="date", property="sunset"|"sunrise", value=offset}`, `{type="se-start", property="start",
value=true}`; manual starts are made by the caller (`{type="user", property="execute", id=2}`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any, Protocol

__all__ = [
    "ConditionError",
    "SceneState",
    "check_conditions",
    "compare",
    "cron_matches",
    "event_triggers",
    "has_time_triggers",
    "minute_trigger",
    "scene_fires",
    "se_start_trigger",
]

_ORDER_OPS = (">", ">=", "<", "<=")
_VALUE_OPS = ("==", "!=", *_ORDER_OPS, "anyValue")
_CRON_TRIGGER_OPS = ("match", "match==", "matchInterval")
_CRON_OPS = (*_CRON_TRIGGER_OPS, "match!=", "match>", "match>=", "match<", "match<=")
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (1, 7), (1970, 9999))
_CRON_ITEM = re.compile(r"^(\*|\d+)(?:-(\d+))?(?:/(\d+))?$")


class ConditionError(ValueError):
    """Conditions that are not an HC3 condition tree (one line, naming the node)."""


class SceneState(Protocol):
    """The home as the evaluation reads it."""

    def now(self) -> float:
        """The emulated wall clock (epoch seconds; local time as the HC3 shows it)."""
        ...

    def device_value(self, device_id: int, name: str) -> tuple[bool, Any]:
        """(True, value) of a device property, (False, None) when there is no such property."""
        ...

    def global_value(self, name: str) -> str | None: ...

    def active_profile(self) -> int | None: ...

    def sun_times(self, moment: float) -> tuple[str, str]:
        """Sunrise and sunset ("HH:MM") of the day of `moment`."""
        ...


# --- checking -------------------------------------------------------------------------------------


def check_conditions(value: Any, where: str = "conditions") -> None:
    """Raise ConditionError unless `value` is a condition tree (an empty table is none at all)."""
    if value in ({}, [], None):
        return
    if not isinstance(value, dict):
        raise ConditionError(f"{where}: a table {{operator=..., conditions={{...}}}} expected")
    if "conditions" in value:
        operator = value.get("operator")
        if operator not in ("all", "any"):
            raise ConditionError(f'{where}: operator must be "all" or "any", not {operator!r}')
        children = value["conditions"]
        if children in ({}, []):
            return
        if not isinstance(children, list):
            raise ConditionError(f"{where}: conditions must be a list of conditions")
        for i, child in enumerate(children, 1):
            check_conditions(child, f"{where}.conditions[{i}]")
            if child in ({}, [], None):
                raise ConditionError(f"{where}.conditions[{i}]: an empty condition")
        return
    kind = value.get("type")
    if not isinstance(kind, str) or not kind:
        raise ConditionError(f"{where}: a condition needs a type (device, global-variable, ...)")
    operator = value.get("operator", "==")
    if kind == "date" and value.get("property") == "cron":
        if operator not in _CRON_OPS:
            raise ConditionError(f"{where}: unknown cron operator {operator!r}")
        cron = value.get("value")
        if operator == "matchInterval":
            if not isinstance(cron, dict) or not isinstance(cron.get("interval"), int | float):
                raise ConditionError(f"{where}: matchInterval needs value={{date=..., interval=s}}")
            cron = cron.get("date")
        _check_cron(cron, where)
    elif kind in ("device", "global-variable") and operator not in _VALUE_OPS:
        raise ConditionError(f"{where}: unknown operator {operator!r}")
    if kind == "device" and not _ids(value.get("id")):
        raise ConditionError(f"{where}: a device condition needs an id")
    if kind in ("device", "global-variable", "custom-event") and not isinstance(
        value.get("property"), str
    ):
        raise ConditionError(f"{where}: a {kind} condition needs a property")


def _check_cron(cron: Any, where: str) -> None:
    if not isinstance(cron, list) or len(cron) != 6:
        raise ConditionError(
            f"{where}: a cron value is 6 fields {{min, hour, day, month, wday, year}}"
        )
    for field, (low, high) in zip(cron, _CRON_RANGES, strict=True):
        if _field_values(field, low, high) is None:
            raise ConditionError(f"{where}: bad cron field {field!r}")


def _ids(value: Any) -> list[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, list) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return list(value)
    return []


# --- triggers from events -------------------------------------------------------------------------


def event_triggers(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The triggers (future sourceTriggers) a refreshStates event is; [] for most events."""
    kind = event.get("type")
    data = event.get("data") or {}
    if kind == "DevicePropertyUpdatedEvent":
        return [{"type": "device", "id": data.get("id"), "property": data.get("property"),
                 "value": data.get("newValue")}]  # fmt: skip
    if kind == "CentralSceneEvent":
        value = {"keyId": data.get("keyId"), "keyAttribute": data.get("keyAttribute")}
        device_id = data.get("id", data.get("deviceId"))
        return [{"type": "device", "id": device_id, "property": "centralSceneEvent",
                 "value": value}]  # fmt: skip
    if kind == "GlobalVariableChangedEvent":
        return [{"type": "global-variable", "property": data.get("variableName"),
                 "value": data.get("newValue")}]  # fmt: skip
    if kind == "CustomEvent":
        return [{"type": "custom-event", "property": data.get("name")}]
    if kind == "ActiveProfileChangedEvent":
        return [{"type": "profile", "property": "activeProfile",
                 "value": data.get("newActiveProfile")}]  # fmt: skip
    return []


def minute_trigger(moment: float) -> dict[str, Any]:
    """The trigger of one minute of the clock: `{type="date", property="cron", value=fields}`."""
    t = time.localtime(moment)
    fields = [f"{t.tm_min:02d}", f"{t.tm_hour:02d}", str(t.tm_mday), str(t.tm_mon),
              str(_wday(t)), str(t.tm_year)]  # fmt: skip
    return {"type": "date", "property": "cron", "value": fields}


def se_start_trigger() -> dict[str, Any]:
    """The trigger of the HC3's start (`plua2 up` starting)."""
    return {"type": "se-start", "property": "start", "value": True}


def has_time_triggers(conditions: Any) -> bool:
    """Whether any leaf is a date trigger (the minute ticks matter to this scene)."""
    return any(leaf.get("type") == "date" and leaf.get("isTrigger") for leaf in _leaves(conditions))


def _leaves(node: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(node, dict):
        return
    if "conditions" in node:
        for child in node["conditions"] if isinstance(node["conditions"], list) else ():
            yield from _leaves(child)
    else:
        yield node


# --- firing ---------------------------------------------------------------------------------------


def scene_fires(
    conditions: Any, trigger: dict[str, Any], state: SceneState
) -> dict[str, Any] | None:
    """The sourceTrigger if `trigger` starts a scene with these conditions, else None."""
    matched: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for leaf in _leaves(conditions):
        if leaf.get("isTrigger") is True:
            source = _trigger_match(leaf, trigger, state)
            if source is not None:
                matched.append((leaf, source))
    if not matched:
        return None
    true_leaves = {id(leaf) for leaf, _ in matched}
    if not _holds(conditions, state, true_leaves):
        return None
    return matched[0][1]


def _trigger_match(
    leaf: dict[str, Any], trigger: dict[str, Any], state: SceneState
) -> dict[str, Any] | None:
    kind = leaf.get("type")
    if kind != trigger.get("type"):
        return None
    operator = leaf.get("operator", "==")
    if kind == "device":
        if trigger.get("id") not in _ids(leaf.get("id")):
            return None
        if leaf.get("property") != trigger.get("property"):
            return None
        return trigger if compare(operator, trigger.get("value"), leaf.get("value")) else None
    if kind in ("global-variable", "profile"):
        if kind == "global-variable" and leaf.get("property") != trigger.get("property"):
            return None
        return trigger if compare(operator, trigger.get("value"), leaf.get("value")) else None
    if kind == "custom-event":
        return trigger if leaf.get("property") == trigger.get("property") else None
    if kind == "se-start":
        return trigger
    if kind == "date" and trigger.get("property") == "cron":
        moment = state.now()
        prop = leaf.get("property")
        if prop == "cron":
            if operator in _CRON_TRIGGER_OPS and _cron_holds(operator, leaf.get("value"), moment):
                return trigger
            return None
        if prop in ("sunrise", "sunset") and operator == "==":
            if _sun_compare("==", leaf, state, moment):
                return {"type": "date", "property": prop, "value": leaf.get("value", 0)}
    return None


def _holds(node: Any, state: SceneState, true_leaves: set[int]) -> bool:
    if not isinstance(node, dict):
        return False
    if "conditions" in node:
        children = node["conditions"] if isinstance(node["conditions"], list) else []
        results = (_holds(child, state, true_leaves) for child in children)
        return any(results) if node.get("operator") == "any" else all(results)
    if id(node) in true_leaves:
        return True
    return _leaf_holds(node, state)


def _leaf_holds(leaf: dict[str, Any], state: SceneState) -> bool:
    kind = leaf.get("type")
    operator = leaf.get("operator", "==")
    if kind == "device":
        if leaf.get("property") == "centralSceneEvent":
            return False  # a moment, not a state
        for device_id in _ids(leaf.get("id")):
            found, value = state.device_value(device_id, str(leaf.get("property")))
            if not found or not compare(operator, value, leaf.get("value")):
                return False
        return bool(_ids(leaf.get("id")))
    if kind == "global-variable":
        value = state.global_value(str(leaf.get("property")))
        return value is not None and compare(operator, value, leaf.get("value"))
    if kind == "profile":
        return compare(operator, state.active_profile(), leaf.get("value"))
    if kind == "date":
        prop = leaf.get("property")
        if prop == "cron":
            return _cron_holds(operator, leaf.get("value"), state.now())
        if prop in ("sunrise", "sunset"):
            return _sun_compare(operator, leaf, state, state.now())
    return False


# --- comparing values -----------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            _equal(actual.get(k), v) for k, v in expected.items()
        )
    a, e = _number(actual), _number(expected)
    if a is not None and e is not None:
        return a == e
    if isinstance(expected, bool) and isinstance(actual, str):
        return actual.strip().lower() == ("true" if expected else "false")
    if isinstance(actual, bool) and isinstance(expected, str):
        return expected.strip().lower() == ("true" if actual else "false")
    return bool(actual == expected) and type(actual) is type(expected)


def compare(operator: Any, actual: Any, expected: Any) -> bool:
    """`actual <operator> expected` with the HC3's loose typing (see the module docstring)."""
    if operator == "anyValue":
        return True
    if operator == "==":
        return _equal(actual, expected)
    if operator in ("!=", "~="):
        return not _equal(actual, expected)
    if operator in _ORDER_OPS:
        a, e = _number(actual), _number(expected)
        left: Any
        right: Any
        if a is not None and e is not None:
            left, right = a, e
        elif isinstance(actual, str) and isinstance(expected, str):
            left, right = actual, expected
        else:
            return False
        return {">": left > right, ">=": left >= right, "<": left < right,
                "<=": left <= right}[operator]  # fmt: skip
    return False


# --- time -----------------------------------------------------------------------------------------


def _wday(t: time.struct_time) -> int:
    return (t.tm_wday + 1) % 7 + 1  # Python: Monday = 0; Lua: Sunday = 1


def _field_values(field: Any, low: int, high: int) -> set[int] | None:
    """The values a cron field allows (None: not a cron field)."""
    if isinstance(field, int) and not isinstance(field, bool):
        field = str(field)
    if not isinstance(field, str):
        return None
    allowed: set[int] = set()
    for item in field.replace(" ", "").split(","):
        m = _CRON_ITEM.match(item)
        if m is None:
            return None
        start, end, step = m.group(1), m.group(2), m.group(3)
        if start == "*":
            if end is not None:
                return None
            first, last = low, high
        else:
            first = int(start)
            last = int(end) if end is not None else (high if step else first)
        stride = int(step) if step else 1
        if stride <= 0 or first > last or first < low or last > high:
            return None
        allowed.update(range(first, last + 1, stride))
    return allowed


def cron_matches(cron: Any, moment: float) -> bool:
    """Whether the minute of `moment` matches a 6-field HC3 cron value."""
    if not isinstance(cron, list) or len(cron) != 6:
        return False
    t = time.localtime(moment)
    now = (t.tm_min, t.tm_hour, t.tm_mday, t.tm_mon, _wday(t), t.tm_year)
    for field, (low, high), current in zip(cron, _CRON_RANGES, now, strict=True):
        values = _field_values(field, low, high)
        if values is None or current not in values:
            return False
    return True


def _named_moment(cron: Any, moment: float) -> float | None:
    """The moment a cron value names, `*` (or a pattern) taking the current field."""
    if not isinstance(cron, list) or len(cron) != 6:
        return None
    t = time.localtime(moment)
    current = [t.tm_min, t.tm_hour, t.tm_mday, t.tm_mon, None, t.tm_year]
    fields: list[int] = []
    for field, now_value in zip(cron, current, strict=True):
        if now_value is None:
            continue  # the weekday names no moment
        number = _number(field)
        fields.append(int(number) if number is not None else now_value)
    minute, hour, day, month, year = fields
    try:
        return time.mktime((year, month, day, hour, minute, 0, 0, 0, -1))
    except (OverflowError, ValueError):
        return None


def _cron_holds(operator: Any, value: Any, moment: float) -> bool:
    minute_start = moment - moment % 60
    if operator in ("match", "match=="):
        return cron_matches(value, moment)
    if operator == "match!=":
        return not cron_matches(value, moment)
    if operator == "matchInterval":
        if not isinstance(value, dict):
            return False
        start = _named_moment(value.get("date"), moment)
        interval = _number(value.get("interval"))
        if start is None or interval is None or interval < 60 or minute_start < start:
            return False
        return (minute_start - start) % interval < 60
    if operator in ("match>", "match>=", "match<", "match<="):
        named = _named_moment(value, moment)
        if named is None:
            return False
        return compare(operator[5:], minute_start, named)
    return False


def _sun_compare(operator: Any, leaf: dict[str, Any], state: SceneState, moment: float) -> bool:
    sunrise, sunset = state.sun_times(moment)
    text = sunrise if leaf.get("property") == "sunrise" else sunset
    try:
        hours, minutes = (int(part) for part in text.split(":"))
    except ValueError:
        return False
    offset = _number(leaf.get("value", 0)) or 0.0
    t = time.localtime(moment)
    now_minute = t.tm_hour * 60 + t.tm_min
    return compare(operator, now_minute, hours * 60 + minutes + int(offset))
