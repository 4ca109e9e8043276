"""What the dashboard is told: the home model turned into a snapshot and a stream of small changes.

Theory of operation
-------------------
`connect_home(hub, home)` runs once per app: it adds a console listener and a refreshStates
listener that re-publish what the page shows on the hub (live.py): `log` for every console line,
`prop` for DevicePropertyUpdatedEvent, `view` for PluginChangedViewEvent, `global` for global
variable events, and `devices` when the device list or the rooms change (devices created,
removed, renamed, moved). The listeners run synchronously in the supervisor's trio thread and cost
one dict lookup and, with nobody watching, one length check per event: nothing is added to the
REST API's request path.

`snapshot(...)` is the first message of every websocket: everything the page needs to draw from
scratch (devices, rooms, workers, QuickApp view state, globals, the recent console). After it, the
page only applies changes; when it reconnects it gets a new snapshot, so it never has to ask.

`WorkerWatch` is the per-connection fallback for worker states and resources (CPU, memory): every
`SAMPLE_PERIOD` seconds the websocket compares `workers.infos()` with what it last sent and sends
only what differs (uptime is not compared: the page counts it up itself).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from .live import Hub

__all__ = ["SAMPLE_PERIOD", "WorkerWatch", "connect_home", "device_rows", "snapshot"]

#: how often each websocket samples the worker table (the fallback for state changes)
SAMPLE_PERIOD = 1.0
#: console lines in a snapshot
SNAPSHOT_LOGS = 500
_DEVICE_LIST_EVENTS = frozenset({
    "DeviceCreatedEvent", "DeviceRemovedEvent", "DeviceModifiedEvent", "DeviceChangedRoomEvent",
    "DeviceInterfacesUpdatedEvent", "RoomCreatedEvent", "RoomModifiedEvent", "RoomRemovedEvent",
})  # fmt: skip
_IGNORED_IN_DIFF = frozenset({"uptime"})


class _Workers(Protocol):
    def infos(self) -> list[dict[str, Any]]: ...


def connect_home(hub: Hub, home: Any) -> Callable[[], None]:
    """Publish the model's changes on `hub`; returns a function that disconnects again."""

    def on_event(event: dict[str, Any]) -> None:
        kind = event.get("type")
        data = event.get("data") or {}
        if kind == "DevicePropertyUpdatedEvent":
            hub.publish("prop", {"id": data.get("id"), "name": data.get("property"),
                                 "value": data.get("newValue")})  # fmt: skip
        elif kind == "PluginChangedViewEvent":
            hub.publish("view", {"id": data.get("deviceId"), "component": data.get("componentName"),
                                 "prop": data.get("propertyName"), "value": data.get("newValue")})  # fmt: skip
        elif kind in ("GlobalVariableChangedEvent", "GlobalVariableAddedEvent"):
            name = data.get("variableName")
            value = data.get("newValue", data.get("value"))
            hub.publish("global", {"name": name, "value": value})
        elif kind == "GlobalVariableRemovedEvent":
            hub.publish("global", {"name": data.get("variableName"), "removed": True})
        elif kind in _DEVICE_LIST_EVENTS:
            hub.publish("devices", None)

    def on_log(message: dict[str, Any]) -> None:
        hub.publish("log", message)

    undo_refresh = home.refresh.add_listener(on_event)
    undo_console = home.console.add_listener(on_log)

    def disconnect() -> None:
        undo_refresh()
        undo_console()

    return disconnect


def device_rows(home: Any) -> list[dict[str, Any]]:
    """One small row per device (the z-wave controller left out), in id order."""
    rows = []
    for device in sorted(home.devices, key=lambda d: d.id):
        dto = device.dto
        if dto.get("id") == 1:
            continue
        interfaces = dto.get("interfaces") or ()
        props = dto.get("properties") or {}
        rows.append({
            "id": dto["id"],
            "name": dto.get("name", ""),
            "type": dto.get("type", ""),
            "roomID": dto.get("roomID"),
            "parentId": dto.get("parentId", 0),
            "enabled": dto.get("enabled", True),
            "quickApp": "quickApp" in interfaces,
            "child": "quickAppChild" in interfaces,
            "value": props.get("value"),
        })  # fmt: skip
    return rows


def rooms(home: Any) -> dict[int, str]:
    return {int(room_id): room.get("name", "") for room_id, room in home.rooms.rooms.items()}


def snapshot(home: Any, workers: _Workers, *, console: bool) -> dict[str, Any]:
    """The first message of a websocket: the whole picture."""
    variables = home.variables.globals
    return {
        "hcName": home.settings.hc_name,
        "console": console,
        "rooms": rooms(home),
        "devices": device_rows(home),
        "workers": workers.infos(),
        "views": {str(k): v for k, v in home.view_state.items()},
        "globals": [_global(v) for v in sorted(variables.values(), key=lambda v: v["name"])],
        "logs": list(home.console.since(max(0, home.console.last_id - SNAPSHOT_LOGS))),
    }


def _global(variable: dict[str, Any]) -> dict[str, Any]:
    return {key: variable.get(key) for key in ("name", "value", "readOnly", "isEnum", "enumValues")}


class WorkerWatch:
    """What one websocket last told its page about each worker."""

    def __init__(self, infos: list[dict[str, Any]]) -> None:
        self._sent: dict[int, dict[str, Any]] = {i["id"]: _comparable(i) for i in infos}

    def changes(self, infos: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The infos that differ from the last ones sent, and `{id, removed}` for gone workers."""
        out: list[dict[str, Any]] = []
        seen = set()
        for info in infos:
            worker_id = info["id"]
            seen.add(worker_id)
            comparable = _comparable(info)
            if self._sent.get(worker_id) != comparable:
                self._sent[worker_id] = comparable
                out.append(info)
        for worker_id in [w for w in self._sent if w not in seen]:
            del self._sent[worker_id]
            out.append({"id": worker_id, "removed": True})
        return out


def _comparable(info: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in info.items() if k not in _IGNORED_IN_DIFF}
    cpu = out.get("cpu_percent")
    if isinstance(cpu, float):
        out["cpu_percent"] = round(cpu)
    rss = out.get("rss_bytes")
    if isinstance(rss, int):
        out["rss_bytes"] = rss >> 18  # quarter-MiB steps: enough for a dashboard
    return out
