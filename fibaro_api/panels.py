"""Global variables, custom events, rooms, sections and scenes: the named parts of the home.

Each part keeps its HC3 DTOs in a dict, persists each object under its own key (store `objects`
table, kinds `global`, `customEvent`, `room`, `section`, `scene`) and publishes the HC3's events
(`GlobalVariableChangedEvent`, `RoomCreatedEvent`, ...). Scenes live in scenes.py (re-exported
here). Like `Home`, every
method validates first and raises `HC3Error`s before changing anything.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from . import catalog
from .errors import BadRequest, Conflict, Forbidden, NotFound
from .scenes import Scenes

if TYPE_CHECKING:
    from .home import Home

__all__ = ["Rooms", "Scenes", "Variables"]


def _text(value: Any, name: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise BadRequest(f"field '{name}' must be a string")


class Variables:
    """Global variables (values are strings, as on an HC3) and custom events."""

    def __init__(self, home: Home) -> None:
        self._home = home
        self.globals: dict[str, dict[str, Any]] = {}
        self.custom_events: dict[str, dict[str, Any]] = {}

    def load(self, objects: dict[str, dict[str, Any]]) -> None:
        self.globals = dict(objects.get("global", {}))
        self.custom_events = dict(objects.get("customEvent", {}))

    # global variables -----------------------------------------------------------------
    def get_global(self, name: str) -> dict[str, Any]:
        variable = self.globals.get(name)
        if variable is None:
            raise NotFound(f"global variable '{name}' does not exist")
        return variable

    def add_global(self, spec: dict[str, Any]) -> dict[str, Any]:
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise BadRequest("field 'name' must be a non-empty string")
        if name in self.globals:
            raise Conflict(f"global variable '{name}' already exists")
        enum_values = spec.get("enumValues", [])
        if not isinstance(enum_values, list):
            raise BadRequest("field 'enumValues' must be a list")
        now = int(time.time())
        variable = {
            "name": name,
            "value": _text(spec.get("value", ""), "value"),
            "readOnly": bool(spec.get("readOnly", False)),
            "isEnum": bool(spec.get("isEnum", False)),
            "enumValues": [_text(v, "enumValues") for v in enum_values],
            "created": now,
            "modified": now,
        }
        self.globals[name] = variable
        self._home.persist("global", name, variable)
        self._home.refresh.publish(
            "GlobalVariableAddedEvent", {"variableName": name, "value": variable["value"]}
        )
        return variable

    def set_global(self, name: str, value: Any) -> dict[str, Any]:
        variable = self.get_global(name)
        new = _text(value, "value")
        old = variable["value"]
        updated = {**variable, "value": new, "modified": int(time.time())}
        self.globals[name] = updated
        self._home.persist("global", name, updated)
        if new != old:
            self._home.refresh.publish(
                "GlobalVariableChangedEvent",
                {"variableName": name, "newValue": new, "oldValue": old},
            )
        return updated

    def delete_global(self, name: str) -> None:
        self.get_global(name)
        del self.globals[name]
        self._home.unpersist("global", name)
        self._home.refresh.publish("GlobalVariableRemovedEvent", {"variableName": name})

    # custom events ----------------------------------------------------------------------
    def get_event(self, name: str) -> dict[str, Any]:
        event = self.custom_events.get(name)
        if event is None:
            raise NotFound(f"custom event '{name}' does not exist")
        return event

    def add_event(self, name: Any, description: Any = "") -> dict[str, Any]:
        if not isinstance(name, str) or not name:
            raise BadRequest("field 'name' must be a non-empty string")
        if name in self.custom_events:
            raise Conflict(f"custom event '{name}' already exists")
        event = {"name": name, "userDescription": _text(description or "", "userDescription")}
        self.custom_events[name] = event
        self._home.persist("customEvent", name, event)
        self._home.refresh.publish("CustomEventCreatedEvent", {"name": name})
        return event

    def modify_event(self, name: str, patch: dict[str, Any]) -> dict[str, Any]:
        event = self.get_event(name)
        new_name = patch.get("name", name)
        if not isinstance(new_name, str) or not new_name:
            raise BadRequest("field 'name' must be a non-empty string")
        if new_name != name and new_name in self.custom_events:
            raise Conflict(f"custom event '{new_name}' already exists")
        description = _text(
            patch.get("userDescription", event["userDescription"]), "userDescription"
        )
        updated = {"name": new_name, "userDescription": description}
        del self.custom_events[name]
        self._home.unpersist("customEvent", name)
        self.custom_events[new_name] = updated
        self._home.persist("customEvent", new_name, updated)
        self._home.refresh.publish("CustomEventModifiedEvent", {"name": new_name})
        return updated

    def delete_event(self, name: str) -> None:
        self.get_event(name)
        del self.custom_events[name]
        self._home.unpersist("customEvent", name)
        self._home.refresh.publish("CustomEventRemovedEvent", {"name": name})

    def emit_event(self, name: str) -> None:
        event = self.get_event(name)
        self._home.refresh.publish("CustomEvent", dict(event))


class Rooms:
    """Rooms and sections; room 219 and section 219 are the defaults."""

    def __init__(self, home: Home) -> None:
        self._home = home
        self.rooms: dict[int, dict[str, Any]] = {}
        self.sections: dict[int, dict[str, Any]] = {}

    def load(self, objects: dict[str, dict[str, Any]]) -> None:
        self.rooms = {int(k): v for k, v in objects.get("room", {}).items()}
        self.sections = {int(k): v for k, v in objects.get("section", {}).items()}

    def ensure_defaults(self) -> None:
        if not self.sections:
            self._save("section", catalog.default_section(int(time.time())))
        if not self.rooms:
            self._save("room", catalog.default_room())

    @property
    def default_room_id(self) -> int:
        for room in self.rooms.values():
            if room.get("isDefault"):
                return int(room["id"])
        return catalog.DEFAULT_ROOM_ID

    def _save(self, kind: str, obj: dict[str, Any]) -> None:
        (self.rooms if kind == "room" else self.sections)[obj["id"]] = obj
        self._home.persist(kind, obj["id"], obj)

    def get_room(self, room_id: int) -> dict[str, Any]:
        room = self.rooms.get(room_id)
        if room is None:
            raise NotFound(f"room {room_id} does not exist")
        return room

    def get_section(self, section_id: int) -> dict[str, Any]:
        section = self.sections.get(section_id)
        if section is None:
            raise NotFound(f"section {section_id} does not exist")
        return section

    def add_room(self, spec: dict[str, Any], room_id: int | None = None) -> dict[str, Any]:
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise BadRequest("field 'name' must be a non-empty string")
        section_id = spec.get("sectionID", catalog.DEFAULT_SECTION_ID)
        if not isinstance(section_id, int) or isinstance(section_id, bool):
            raise BadRequest("field 'sectionID' must be an integer")
        self.get_section(section_id)
        category = spec.get("category", "other")
        icon = spec.get("icon", "room_default")
        if not isinstance(category, str) or not isinstance(icon, str):
            raise BadRequest("fields 'category' and 'icon' must be strings")
        if room_id is None:
            room_id = self._home.next_id("room")
        room = catalog.room_dto(room_id, name, section_id, category=category, icon=icon)
        self._save("room", room)
        self._home.refresh.publish("RoomCreatedEvent", {"id": room_id})
        return room

    def modify_room(self, room_id: int, patch: dict[str, Any]) -> dict[str, Any]:
        room = dict(self.get_room(room_id))
        for key, kind in (("name", str), ("sectionID", int), ("visible", bool), ("icon", str),
                          ("category", str), ("sortOrder", int), ("defaultThermostat", int)):  # fmt: skip
            if key in patch:
                value = patch[key]
                if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                    raise BadRequest(f"field '{key}' has the wrong type")
                room[key] = value
        self.get_section(room["sectionID"])
        self._save("room", room)
        self._home.refresh.publish("RoomModifiedEvent", {"id": room_id})
        return room

    def set_default(self, room_id: int) -> None:
        self.get_room(room_id)
        for room in list(self.rooms.values()):
            if room.get("isDefault") != (room["id"] == room_id):
                self._save("room", {**room, "isDefault": room["id"] == room_id})

    def delete_room(self, room_id: int) -> None:
        room = self.get_room(room_id)
        if room.get("isDefault"):
            raise Forbidden("the default room cannot be deleted")
        default = self.default_room_id
        for device in list(self._home.devices):
            if device.dto.get("roomID") == room_id:
                self._home.modify_device(device.id, {"roomID": default})
        del self.rooms[room_id]
        self._home.unpersist("room", room_id)
        self._home.refresh.publish("RoomRemovedEvent", {"id": room_id})

    def add_section(self, spec: dict[str, Any]) -> dict[str, Any]:
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise BadRequest("field 'name' must be a non-empty string")
        section_id = self._home.next_id("section")
        now = int(time.time())
        section = {"id": section_id, "name": name, "created": now, "modified": now,
                   "sortOrder": section_id}  # fmt: skip
        self._save("section", section)
        self._home.refresh.publish("SectionCreatedEvent", {"id": section_id})
        return section

    def modify_section(self, section_id: int, patch: dict[str, Any]) -> dict[str, Any]:
        section = dict(self.get_section(section_id))
        name = patch.get("name", section["name"])
        if not isinstance(name, str) or not name:
            raise BadRequest("field 'name' must be a non-empty string")
        section.update(name=name, modified=int(time.time()))
        self._save("section", section)
        self._home.refresh.publish("SectionModifiedEvent", {"id": section_id})
        return section

    def delete_section(self, section_id: int) -> None:
        self.get_section(section_id)
        if any(r["sectionID"] == section_id for r in self.rooms.values()):
            raise Forbidden(f"section {section_id} still has rooms")
        del self.sections[section_id]
        self._home.unpersist("section", section_id)
        self._home.refresh.publish("SectionRemovedEvent", {"id": section_id})
