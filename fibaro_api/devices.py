"""Devices in the HC3's DeviceDto shape, kept ready as JSON bytes for the hot reads.

Theory of operation
-------------------
A `Device` wraps its DeviceDto dict (`dto`, with `properties` inside) plus a per-property
`modified` time. `json()` gives the DeviceDto serialised once and cached; every mutation goes
through `Home`, which calls `DeviceTable.touch(device)` to drop the device's cache and the cached
list. So `GET /api/devices/{id}` and `GET /api/devices` (no filter) are a dict lookup and a cached
bytes object; nothing is serialised per request.

Device 1 is the z-wave primary controller (as on every HC3); devices whose interfaces include
`quickApp` or `quickAppChild` belong to a QuickApp worker (their actions go to the ActionSink);
every other device is plain and has built-in behaviour (`device_types.py`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from . import hc3_time
from .errors import BadRequest, NotFound
from .request import query_bool, query_int, query_str
from .router import Query

__all__ = ["CONTROLLER_ID", "Device", "DeviceTable", "controller_dto"]

CONTROLLER_ID = 1


def _dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


class Device:
    """One device: its DeviceDto and its cached JSON."""

    __slots__ = ("_json", "dto", "prop_modified")

    def __init__(self, dto: dict[str, Any], prop_modified: dict[str, int] | None = None) -> None:
        self.dto = dto
        self.prop_modified = prop_modified or {}
        self._json: bytes | None = None

    @property
    def id(self) -> int:
        return int(self.dto["id"])

    @property
    def properties(self) -> dict[str, Any]:
        return self.dto["properties"]  # type: ignore[no-any-return]

    @property
    def interfaces(self) -> list[str]:
        return self.dto["interfaces"]  # type: ignore[no-any-return]

    @property
    def is_quickapp(self) -> bool:
        """Owned by a QuickApp worker (the QuickApp itself or one of its children)."""
        interfaces = self.dto.get("interfaces", ())
        return "quickApp" in interfaces or "quickAppChild" in interfaces

    def json(self) -> bytes:
        if self._json is None:
            self._json = _dumps(self.dto)
        return self._json

    def property_modified(self, name: str) -> int:
        return self.prop_modified.get(name, int(self.dto.get("modified", 0)))


def controller_dto(now: int) -> dict[str, Any]:
    """Device 1: the z-wave primary controller, parent of the physical devices."""
    return {
        "id": CONTROLLER_ID,
        "name": "zwave",
        "roomID": 0,
        "view": [],
        "type": "com.fibaro.zwavePrimaryController",
        "baseType": "",
        "enabled": True,
        "visible": False,
        "isPlugin": False,
        "parentId": 0,
        "viewXml": False,
        "hasUIView": False,
        "configXml": False,
        "interfaces": ["zwave"],
        "properties": {
            "dead": False,
            "deadReason": "",
            "manufacturer": "Fibaro",
            "model": "",
            "userDescription": "",
            "categories": ["other"],
        },  # fmt: skip
        "actions": {"reconfigure": 0, "wakeUpAllDevices": 0, "wakeUpDeadDevice": 1},
        "created": now,
        "modified": now,
        "sortOrder": 1,
    }


def _property_filter(text: str) -> tuple[str, str | None]:
    """`[name,value]` or `[name]` or `name` -> (name, value text or None)."""
    inner = text.strip()
    if inner.startswith("[") and inner.endswith("]"):
        inner = inner[1:-1]
    name, sep, value = inner.partition(",")
    name = name.strip()
    if not name:
        raise BadRequest("property filter must be [name,value]")
    return name, (value.strip() if sep else None)


def _matches_value(actual: Any, wanted: str) -> bool:
    if isinstance(actual, bool):
        return str(actual).lower() == wanted.lower().strip('"')
    if isinstance(actual, str):
        return actual == wanted or f'"{actual}"' == wanted
    return _dumps(actual).decode() == wanted or str(actual) == wanted


class DeviceTable:
    """All devices by id, with a cached JSON list."""

    def __init__(self) -> None:
        self._by_id: dict[int, Device] = {}
        self._list_json: bytes | None = None

    def __contains__(self, device_id: object) -> bool:
        return device_id in self._by_id

    def __iter__(self) -> Iterator[Device]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, device_id: int) -> Device:
        device = self._by_id.get(device_id)
        if device is None:
            raise NotFound(f"device {device_id} does not exist", "DEVICE_NOT_FOUND")
        return device

    def find(self, device_id: int) -> Device | None:
        return self._by_id.get(device_id)

    def put(self, device: Device) -> None:
        self._by_id[device.id] = device
        self._by_id = dict(sorted(self._by_id.items()))
        self._list_json = None

    def remove(self, device_id: int) -> Device:
        device = self.get(device_id)
        del self._by_id[device_id]
        self._list_json = None
        return device

    def touch(self, device: Device) -> None:
        """The device changed: drop its JSON and the list's."""
        device._json = None
        device.dto["modified"] = int(hc3_time.now())
        self._list_json = None

    def list_json(self) -> bytes:
        if self._list_json is None:
            self._list_json = b"[" + b",".join(d.json() for d in self._by_id.values()) + b"]"
        return self._list_json

    def children_of(self, parent_id: int) -> list[Device]:
        return [d for d in self._by_id.values() if d.dto.get("parentId") == parent_id]

    def filtered(self, query: Query) -> list[Device]:
        """The devices matching `GET /api/devices` filters (all must hold)."""
        devices = list(self._by_id.values())
        parent = query_int(query, "parentId")
        room = query_int(query, "roomID")
        if room is None:
            room = query_int(query, "roomId")
        name = query_str(query, "name")
        dtype = query_str(query, "type")
        base_type = query_str(query, "baseType")
        enabled = query_bool(query, "enabled")
        visible = query_bool(query, "visible")
        is_plugin = query_bool(query, "isPlugin")
        interfaces = [i for i in query.get("interface", []) if i]
        props = [_property_filter(p) for p in query.get("property", []) if p]
        out = []
        for device in devices:
            dto = device.dto
            if parent is not None and dto.get("parentId") != parent:
                continue
            if room is not None and dto.get("roomID") != room:
                continue
            if name is not None and dto.get("name") != name:
                continue
            if dtype is not None and dto.get("type") != dtype:
                continue
            if base_type is not None and dto.get("baseType") != base_type:
                continue
            if enabled is not None and dto.get("enabled") != enabled:
                continue
            if visible is not None and dto.get("visible") != visible:
                continue
            if is_plugin is not None and dto.get("isPlugin") != is_plugin:
                continue
            if any(i not in dto.get("interfaces", ()) for i in interfaces):
                continue
            if not all(
                pname in dto["properties"]
                and (pvalue is None or _matches_value(dto["properties"][pname], pvalue))
                for pname, pvalue in props
            ):
                continue
            out.append(device)
        return out
