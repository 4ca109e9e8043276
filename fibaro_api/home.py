"""The home model: one owner (the supervisor) for devices, rooms, variables, events and console.

Theory of operation
-------------------
`Home` holds every piece of HC3 state in memory and is the only code that changes it. Each change,
in this order: validates (raising `HC3Error`s), updates memory, writes the store (one committed
transaction), publishes on refreshStates. So when a handler returns 2xx the change is durable and
visible; when it raises, nothing changed.

The parts: `devices` (DeviceTable, this module), `variables` (global variables and custom events),
`rooms` (rooms and sections), `scenes` (panels.py), `console` (debugMessages), `refresh`
(refreshStates), and the fixed settings of catalog.py.

Where actions go: an action on a device owned by a QuickApp (interfaces `quickApp` /
`quickAppChild`) is handed to `action_sink.deliver_action(...)` synchronously, in call order; the
sink (the supervisor's worker table, next issue) queues it to the worker. Every other device runs the
built-in behaviour of its type (device_types.py).

Ids: devices of plain projects count up from 100, QuickApps (and their children) from 5000, rooms
and sections from 220 (219 is the default of both, as on an HC3); counters persist, an id is never
handed out twice.
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any, Protocol

from . import catalog, hc3_time
from .console import Console
from .device_types import run_builtin_action, template_for
from .devices import CONTROLLER_ID, Device, DeviceTable, controller_dto
from .errors import BadRequest, Forbidden, NotFound
from .panels import Rooms, Scenes, Variables
from .refresh_states import RefreshStates
from .store import Store

__all__ = ["ActionSink", "Home"]

ID_FLOORS = {"device": 100, "quickApp": 5000, "room": 220, "section": 220, "scene": 10,
             "partition": 2}  # fmt: skip
SETTINGS_ATTRS = {"hcName": "hc_name", "defaultLanguage": "default_language",
                   "currency": "currency", "temperatureUnit": "temperature_unit"}  # fmt: skip
_DEVICE_EDITABLE = {"name": str, "roomID": int, "enabled": bool, "visible": bool,
                    "sortOrder": int, "parentId": int}  # fmt: skip


def _check_json(name: str, value: Any) -> None:
    """Refuse (400) a value that JSON cannot carry (bytes, NaN...) before anything changes."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise BadRequest(f"the value of '{name}' cannot be stored as JSON") from None


class ActionSink(Protocol):
    """Where actions and UI events for QuickApp-owned devices go (set by the supervisor).

    Both calls are synchronous and must not block: queue and return. Calls for one device arrive
    in the order the API received them; the sink keeps that order per target. `device_id` may be a
    child device: `Home.quickapp_of(device_id)` gives the QuickApp (worker) that owns it.
    """

    def deliver_action(self, device_id: int, action_name: str, args: list[Any]) -> None: ...

    def deliver_ui_event(self, device_id: int, event: dict[str, Any]) -> None: ...


class Home:
    """The whole emulated HC3 state; see the module docstring."""

    def __init__(
        self,
        store: Store | None = None,
        settings: catalog.HomeSettings | None = None,
        username: str = "admin",
        refresh: RefreshStates | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or catalog.HomeSettings()
        self.username = username
        self.refresh = refresh or RefreshStates()
        self.console = Console()
        self.devices = DeviceTable()
        self.action_sink: ActionSink | None = None
        self.counters: dict[str, int] = {}
        self.internal_storage: dict[int, dict[str, Any]] = {}
        self.view_state: dict[int, dict[str, dict[str, Any]]] = {}
        self.quickapp_files: dict[int, list[dict[str, Any]]] = {}
        self.profiles = catalog.default_profiles()
        self.partitions: dict[int, dict[str, Any]] = {1: catalog.default_partition()}
        self.variables = Variables(self)
        self.rooms = Rooms(self)
        self.scenes = Scenes(self)
        self._load()

    # ------------------------------------------------------------------ loading, ids, store
    def _load(self) -> None:
        now = int(time.time())
        self.devices.put(Device(controller_dto(now)))
        if self.store is None:
            self.rooms.ensure_defaults()
            return
        state = self.store.load()
        self.counters = dict(state.counters)
        objects = state.objects
        for key, head in objects.get("device", {}).items():
            props = state.properties.get(int(key), {})
            dto = {**head, "properties": {name: value for name, (value, _) in props.items()}}
            modified = {name: stamp for name, (_, stamp) in props.items()}
            self.devices.put(Device(dto, modified))
        self.internal_storage = {k: dict(v) for k, v in state.internal_storage.items()}
        self.quickapp_files = {int(k): v for k, v in objects.get("quickAppFiles", {}).items()}
        if "profiles" in objects:
            self.profiles = objects["profiles"]["all"]
        for key, partition in objects.get("partition", {}).items():
            self.partitions[int(key)] = partition
        for key, value in objects.get("settings", {}).get("info", {}).items():
            attr = SETTINGS_ATTRS.get(key)
            if attr is not None and isinstance(value, str):
                setattr(self.settings, attr, value)
        self.variables.load(objects)
        self.rooms.load(objects)
        self.scenes.load(objects)
        self.rooms.ensure_defaults()

    def next_id(self, kind: str) -> int:
        """A fresh id of a kind (device, quickApp, room, section, scene, partition), persisted."""
        used = self.counters.get(kind, ID_FLOORS.get(kind, 1))
        candidate = max(used, ID_FLOORS.get(kind, 1))
        while kind in ("device", "quickApp") and candidate in self.devices:
            candidate += 1
        self.counters[kind] = candidate + 1
        if self.store is not None:
            self.store.put_counter(kind, candidate + 1)
        return candidate

    def persist(self, kind: str, key: str | int, obj: Any) -> None:
        if self.store is not None:
            self.store.put(kind, key, obj)

    def unpersist(self, kind: str, key: str | int) -> None:
        if self.store is not None:
            self.store.delete(kind, key)

    # ------------------------------------------------------------------ devices
    def create_device(
        self,
        name: str,
        device_type: str,
        *,
        room_id: int | None = None,
        parent_id: int = CONTROLLER_ID,
        properties: dict[str, Any] | None = None,
        interfaces: list[str] | None = None,
        is_plugin: bool = False,
        device_id: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Device:
        """Add a device built from its type's template; publishes DeviceCreatedEvent."""
        if device_id is None:
            device_id = self.next_id("quickApp" if is_plugin else "device")
        elif device_id in self.devices or device_id <= CONTROLLER_ID:
            raise BadRequest(f"device id {device_id} is already taken")
        if room_id is None or room_id == 0:
            room_id = self.rooms.default_room_id
        self.rooms.get_room(room_id)
        template = template_for(device_type)
        now = int(hc3_time.now())
        dto: dict[str, Any] = {
            "id": device_id,
            "name": name,
            "roomID": room_id,
            "view": [],
            "type": device_type,
            "baseType": template["baseType"],
            "enabled": True,
            "visible": True,
            "isPlugin": is_plugin,
            "parentId": parent_id,
            "viewXml": False,
            "hasUIView": is_plugin,
            "configXml": False,
            "interfaces": sorted(set(template["interfaces"]) | set(interfaces or ())),
            "properties": {**template["properties"], **(properties or {})},
            "actions": template["actions"],
            "created": now,
            "modified": now,
            "sortOrder": device_id,
        }
        if extra:
            dto.update(extra)
        device = Device(dto)
        if self.store is not None:
            self.store.put_device(dto, now)
        self.devices.put(device)
        self.refresh.publish("DeviceCreatedEvent", {"id": device_id})
        return device

    def update_property(self, device_id: int, name: str, value: Any) -> bool:
        """Set one property; an actual change is persisted and published (changes + event)."""
        device = self.devices.get(device_id)
        _check_json(name, value)
        props = device.properties
        old = props.get(name)
        if name in props and old == value and type(old) is type(value):
            return False
        props[name] = copy.deepcopy(value)
        now = int(hc3_time.now())
        device.prop_modified[name] = now
        self.devices.touch(device)
        if self.store is not None:
            self.store.put_property(device_id, name, value, now)
        self.refresh.property_updated(device_id, name, value, old)
        return True

    def modify_device(self, device_id: int, patch: dict[str, Any]) -> Device:
        """PUT /api/devices/{id}: top-level fields and/or `properties`."""
        device = self.devices.get(device_id)
        checked: dict[str, Any] = {}
        for key, kind in _DEVICE_EDITABLE.items():
            if key in patch:
                value = patch[key]
                if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                    raise BadRequest(f"field '{key}' has the wrong type")
                checked[key] = value
        if "roomID" in checked:
            self.rooms.get_room(checked["roomID"])
        props = patch.get("properties")
        if props is not None and not isinstance(props, dict):
            raise BadRequest("field 'properties' must be an object")
        if "interfaces" in patch:
            interfaces = patch["interfaces"]
            if not isinstance(interfaces, list) or not all(isinstance(i, str) for i in interfaces):
                raise BadRequest("field 'interfaces' must be a list of strings")
            checked["interfaces"] = interfaces
        old_room = device.dto.get("roomID")
        device.dto.update(checked)
        self.devices.touch(device)
        if self.store is not None:
            self.store.put_device_head(device.dto)
        for name, value in (props or {}).items():
            self.update_property(device_id, str(name), value)
        if checked:
            self.refresh.publish("DeviceModifiedEvent", {"id": device_id})
        if "roomID" in checked and checked["roomID"] != old_room:
            self.refresh.publish("DeviceChangedRoomEvent", {"id": device_id})
        return device

    def delete_device(self, device_id: int) -> None:
        if device_id == CONTROLLER_ID:
            raise Forbidden("the z-wave controller cannot be deleted")
        self.devices.get(device_id)
        for child in self.devices.children_of(device_id):
            self.delete_device(child.id)
        self.devices.remove(device_id)
        self.internal_storage.pop(device_id, None)
        self.quickapp_files.pop(device_id, None)
        self.view_state.pop(device_id, None)
        if self.store is not None:
            self.store.delete_device(device_id)
        self.refresh.publish("DeviceRemovedEvent", {"id": device_id})

    def set_interfaces(self, device_id: int, interfaces: list[str], *, add: bool) -> None:
        device = self.devices.get(device_id)
        current = set(device.interfaces)
        new = current | set(interfaces) if add else current - set(interfaces)
        if new == current:
            return
        device.dto["interfaces"] = sorted(new)
        self.devices.touch(device)
        if self.store is not None:
            self.store.put_device_head(device.dto)
        self.refresh.publish("DeviceInterfacesUpdatedEvent", {"id": device_id})

    def quickapp_of(self, device_id: int) -> int | None:
        """The QuickApp (worker) owning a device: itself, its QuickApp parent, or None."""
        device = self.devices.find(device_id)
        while device is not None:
            if "quickApp" in device.interfaces:
                return device.id
            if "quickAppChild" not in device.interfaces:
                return None
            device = self.devices.find(int(device.dto.get("parentId") or 0))
        return None

    # ------------------------------------------------------------------ actions and UI
    def call_action(self, device_id: int, action: str, args: list[Any]) -> None:
        """Queue an action (the API has already said 202); see the module docstring."""
        device = self.devices.get(device_id)
        if device.is_quickapp:
            if self.action_sink is None:
                self.console.add(device_id, "warning", "plua2",
                                 f"no worker runs QuickApp {device_id}: action {action} dropped")  # fmt: skip
                return
            self.action_sink.deliver_action(device_id, action, list(args))
            return
        updates = None
        if action in device.dto.get("actions", {}):
            updates = run_builtin_action(device.dto["type"], device.properties, action, args)
        if updates is None:
            if device_id != CONTROLLER_ID:
                self.console.add(device_id, "warning", "plua2",
                                 f"device {device_id} has no action '{action}'")  # fmt: skip
            return
        for name, value in updates.items():
            self.update_property(device_id, name, value)
        self.refresh.publish("DeviceActionRanEvent", {"id": device_id, "actionName": action})

    def ui_event(self, device_id: int, event_type: str, element: str, values: list[Any]) -> None:
        device = self.devices.get(device_id)
        if not device.is_quickapp or self.action_sink is None:
            return
        event = {"deviceId": device_id, "eventType": event_type, "elementName": element,
                 "values": values}  # fmt: skip
        self.action_sink.deliver_ui_event(device_id, event)

    def update_view(self, device_id: int, component: str, prop: str, value: Any) -> None:
        self.devices.get(device_id)
        self.view_state.setdefault(device_id, {}).setdefault(component, {})[prop] = value
        self.refresh.publish(
            "PluginChangedViewEvent",
            {
                "deviceId": device_id,
                "componentName": component,
                "propertyName": prop,
                "newValue": value,
            },  # fmt: skip
        )

    # ------------------------------------------------------------------ internalStorage
    def storage_of(self, device_id: int) -> dict[str, Any]:
        self.devices.get(device_id)
        return self.internal_storage.setdefault(device_id, {})

    def storage_set(self, device_id: int, name: str, value: Any, hidden: bool = False) -> None:
        _check_json(name, value)
        entry = {"name": name, "value": value, "isHidden": hidden}
        self.storage_of(device_id)[name] = entry
        if self.store is not None:
            self.store.put_internal(device_id, name, entry)

    def storage_delete(self, device_id: int, name: str | None = None) -> None:
        storage = self.storage_of(device_id)
        if name is None:
            storage.clear()
        elif storage.pop(name, None) is None:
            raise NotFound(f"no variable '{name}' on device {device_id}")
        if self.store is not None:
            self.store.delete_internal(device_id, name)

    # ------------------------------------------------------------------ misc
    def set_quickapp_files(self, device_id: int, files: list[dict[str, Any]]) -> None:
        self.devices.get(device_id)
        self.quickapp_files[device_id] = files
        self.persist("quickAppFiles", device_id, files)
        self.refresh.publish("QuickAppFilesChangedEvent", {"id": device_id})

    def save_profiles(self) -> None:
        self.persist("profiles", "all", self.profiles)

    def save_partition(self, partition: dict[str, Any]) -> None:
        self.partitions[partition["id"]] = partition
        self.persist("partition", partition["id"], partition)
