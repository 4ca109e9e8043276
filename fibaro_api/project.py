"""`plua2.toml`: what a project folder declares about its home (docs/plua2-toml.md).

Theory of operation
-------------------
`load_project(path)` reads and checks the file into a `ProjectConfig` (pure: no home touched), or
raises `ProjectError` with one clear line. `apply_project(home, config)` then adds what the home
does not have yet: the file gives *initial* values; whatever the state folder already holds (written
through the API in an earlier run) wins. Sections, rooms, global variables, custom events and scenes
are matched by name, devices by `id` when given, else by name.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import DEFAULT_SECTION_ID, HomeSettings
from .home import Home

__all__ = ["PROJECT_FILE", "ProjectConfig", "ProjectError", "apply_project", "load_project"]

PROJECT_FILE = "plua2.toml"
_SETTINGS = {"hcName": "hc_name", "serialNumber": "serial_number", "mac": "mac",
             "softVersion": "soft_version", "latitude": "latitude", "longitude": "longitude",
             "city": "city", "timezone": "timezone", "temperatureUnit": "temperature_unit",
             "currency": "currency", "defaultLanguage": "default_language"}  # fmt: skip


class ProjectError(Exception):
    """plua2.toml cannot be used; the message is one line naming the file and the problem."""


@dataclass
class ProjectConfig:
    settings: dict[str, Any] = field(default_factory=dict)
    sections: list[dict[str, Any]] = field(default_factory=list)
    rooms: list[dict[str, Any]] = field(default_factory=list)
    globals: dict[str, str] = field(default_factory=dict)
    custom_events: list[dict[str, Any]] = field(default_factory=list)
    scenes: list[dict[str, Any]] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=list)

    def home_settings(self) -> HomeSettings:
        settings = HomeSettings()
        for key, value in self.settings.items():
            setattr(settings, _SETTINGS[key], value)
        return settings


def _table_list(data: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ProjectError(f"{where}: [[{key}]] must be an array of tables")
    for entry in value:
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise ProjectError(f"{where}: every [[{key}]] entry needs a non-empty name")
    return value


def _check_int(entry: dict[str, Any], key: str, where: str) -> None:
    if key in entry and (not isinstance(entry[key], int) or isinstance(entry[key], bool)):
        raise ProjectError(f"{where}: '{key}' of '{entry['name']}' must be an integer")


def load_project(path: Path) -> ProjectConfig:
    """Read and check plua2.toml; a missing file is an empty project."""
    if not path.exists():
        return ProjectConfig()
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
        raise ProjectError(f"{where}: {error}") from None
    unknown = set(data) - {"settings", "sections", "rooms", "globals", "customEvents", "scenes",
                           "devices"}  # fmt: skip
    if unknown:
        raise ProjectError(f"{where}: unknown table(s) {', '.join(sorted(unknown))}")
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        raise ProjectError(f"{where}: [settings] must be a table")
    for key, value in settings.items():
        if key not in _SETTINGS:
            raise ProjectError(f"{where}: unknown setting '{key}'")
        expected = float if key in ("latitude", "longitude") else str
        if not isinstance(value, expected | int) or isinstance(value, bool):
            raise ProjectError(f"{where}: setting '{key}' has the wrong type")
    if "serialNumber" in settings and not str(settings["serialNumber"]).startswith("HC3"):
        raise ProjectError(f"{where}: serialNumber must start with 'HC3-'")
    globals_ = data.get("globals", {})
    if not isinstance(globals_, dict):
        raise ProjectError(f"{where}: [globals] must be a table of name = value")
    for name, value in globals_.items():
        if not isinstance(value, str | int | float | bool):
            raise ProjectError(f"{where}: global '{name}' must be a string, number or boolean")
    config = ProjectConfig(
        settings=dict(settings),
        sections=_table_list(data, "sections", where),
        rooms=_table_list(data, "rooms", where),
        globals={k: _text(v) for k, v in globals_.items()},
        custom_events=_table_list(data, "customEvents", where),
        scenes=_table_list(data, "scenes", where),
        devices=_table_list(data, "devices", where),
    )
    for room in config.rooms:
        _check_int(room, "id", where)
        _check_int(room, "sectionID", where)
    for device in config.devices:
        _check_int(device, "id", where)
        _check_int(device, "roomID", where)
        if not isinstance(device.get("type"), str):
            raise ProjectError(f"{where}: device '{device['name']}' needs a type string")
        if "id" in device and not 2 <= device["id"] < 5000:
            raise ProjectError(f"{where}: device id {device['id']} must be in 2..4999")
        if not isinstance(device.get("properties", {}), dict):
            raise ProjectError(f"{where}: properties of '{device['name']}' must be a table")
    return config


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def apply_project(home: Home, config: ProjectConfig) -> None:
    """Add the sections, rooms, globals, events, scenes and devices the home does not have."""
    rooms = home.rooms
    sections_by_name = {s["name"]: s["id"] for s in rooms.sections.values()}
    for spec in config.sections:
        if spec["name"] not in sections_by_name:
            sections_by_name[spec["name"]] = rooms.add_section({"name": spec["name"]})["id"]
    rooms_by_name = {r["name"]: r["id"] for r in rooms.rooms.values()}
    for spec in config.rooms:
        if spec["name"] in rooms_by_name:
            continue
        section_id = spec.get("sectionID", DEFAULT_SECTION_ID)
        if "section" in spec:
            if spec["section"] not in sections_by_name:
                raise ProjectError(f"room '{spec['name']}': no section named '{spec['section']}'")
            section_id = sections_by_name[spec["section"]]
        room_spec = {"name": spec["name"], "sectionID": section_id,
                     "category": str(spec.get("category", "other"))}  # fmt: skip
        room = rooms.add_room(room_spec, room_id=spec.get("id"))
        rooms_by_name[spec["name"]] = room["id"]
        if spec.get("default"):
            rooms.set_default(room["id"])
    for name, value in config.globals.items():
        if name not in home.variables.globals:
            home.variables.add_global({"name": name, "value": value})
    for spec in config.custom_events:
        if spec["name"] not in home.variables.custom_events:
            home.variables.add_event(spec["name"], str(spec.get("userDescription", "")))
    scene_names = {s["name"] for s in home.scenes.scenes.values()}
    for spec in config.scenes:
        if spec["name"] not in scene_names:
            home.scenes.add({"name": spec["name"], "type": str(spec.get("type", "lua")),
                             "content": str(spec.get("content", ""))})  # fmt: skip
    device_names = {d.dto["name"] for d in home.devices if not d.is_quickapp}
    for spec in config.devices:
        if "id" in spec and spec["id"] in home.devices:
            continue
        if "id" not in spec and spec["name"] in device_names:
            continue
        room_id = spec.get("roomID")
        if "room" in spec:
            if spec["room"] not in rooms_by_name:
                raise ProjectError(f"device '{spec['name']}': no room named '{spec['room']}'")
            room_id = rooms_by_name[spec["room"]]
        home.create_device(
            spec["name"],
            spec["type"],
            room_id=room_id,
            properties=dict(spec.get("properties", {})),
            device_id=spec.get("id"),
        )
