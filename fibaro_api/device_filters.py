"""The HC3's device filter language: `POST /api/devices/filter` and `/devices/groupAction/{action}`.

A request carries `filters: [{filter: NAME, value: [v, ...]}, ...]`. Every filter must hold (all);
within one filter, any of its values may match (any). Pure code over device DTOs:

| filter                          | holds when                                              |
|---------------------------------|---------------------------------------------------------|
| deviceID (deviceId, id)         | the device's id is one of the values                    |
| type, baseType, name            | that field is one of the values                         |
| roomID, parentId                | that field is one of the values                         |
| enabled, visible, isPlugin      | that field equals one of the values (booleans)          |
| interface                       | the device has one of the interfaces                    |
| hasProperty                     | the device has every property named                     |
| isTypeOf                        | its type is one of the values or descends from one      |
| property                        | `value` is `[name, v]`: that property equals v          |

An unknown filter name or a malformed filter is a `BadRequest` (400), never a silent match.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .device_types import type_ancestry
from .errors import BadRequest

__all__ = ["matching"]

_FIELDS = {
    "deviceID": "id",
    "deviceId": "id",
    "id": "id",
    "type": "type",
    "baseType": "baseType",
    "name": "name",
    "roomID": "roomID",
    "parentId": "parentId",
    "enabled": "enabled",
    "visible": "visible",
    "isPlugin": "isPlugin",
}


def matching(dtos: Iterable[dict[str, Any]], filters: Any) -> list[dict[str, Any]]:
    """The DTOs for which every filter holds, in the order given."""
    if not isinstance(filters, list):
        raise BadRequest("'filters' must be a list of {filter, value}")
    checks = [_check(f) for f in filters]
    return [dto for dto in dtos if all(check(dto) for check in checks)]


def _check(spec: Any) -> Any:
    if not isinstance(spec, dict) or not isinstance(spec.get("filter"), str):
        raise BadRequest("each filter must be an object {filter: name, value: [...]}")
    name, values = spec["filter"], spec.get("value", [])
    if not isinstance(values, list):
        values = [values]
    if name in _FIELDS:
        field = _FIELDS[name]
        return lambda dto: any(_same(dto.get(field), v) for v in values)
    if name == "interface":
        return lambda dto: any(v in dto.get("interfaces", ()) for v in values)
    if name == "hasProperty":
        return lambda dto: all(v in dto.get("properties", {}) for v in values)
    if name == "isTypeOf":
        wanted = set(values)
        return lambda dto: bool(wanted & type_ancestry(str(dto.get("type", ""))))
    if name == "property":
        if len(values) != 2 or not isinstance(values[0], str):
            raise BadRequest("the 'property' filter takes [name, value]")
        prop, wanted_value = values
        return lambda dto: (
            prop in dto.get("properties", {}) and _same(dto["properties"][prop], wanted_value)
        )
    raise BadRequest(f"unknown device filter {name!r}")


def _same(actual: Any, wanted: Any) -> bool:
    if isinstance(actual, bool) or isinstance(wanted, bool):
        return str(actual).lower() == str(wanted).lower()
    if isinstance(actual, int | float) and isinstance(wanted, str):
        return str(actual) == wanted
    return bool(actual == wanted)
