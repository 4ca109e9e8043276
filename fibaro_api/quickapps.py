"""QuickApp devices in the home model: creation, children, files, export (the model side only).

The next issue's worker table starts a worker for each QuickApp device; this module only makes the
devices and keeps their files. A QuickApp device is `isPlugin: true` with interface `quickApp`; a
child has `quickAppChild` and `parentId` = its QuickApp. Their ids come from the `quickApp` counter
(5000 upward).
"""

from __future__ import annotations

from typing import Any

from .devices import Device
from .errors import BadRequest, NotFound
from .headers import strip_headers
from .home import Home

__all__ = ["QA_DEFAULT_PROPERTIES", "create_child", "create_quickapp", "export_fqa", "file_entry"]

QA_DEFAULT_PROPERTIES: dict[str, Any] = {
    "quickAppVariables": [],
    "uiCallbacks": [],
    "viewLayout": {},
    "uiView": [],
    "useUiView": False,
    "apiVersion": "1.3",
    "typeTemplateInitialized": True,
    "useEmbededView": False,
    "deviceRole": "Other",
    "quickAppUuid": "",
    "encrypted": False,
}


def file_entry(spec: dict[str, Any], *, with_content: bool = True) -> dict[str, Any]:
    """A QuickApp file `{name, type, isOpen, isMain, content}`, checked."""
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise BadRequest("a file needs a non-empty 'name'")
    content = spec.get("content", "")
    if not isinstance(content, str):
        raise BadRequest("field 'content' must be a string")
    entry = {
        "name": name,
        "type": str(spec.get("type", "lua")),
        "isOpen": bool(spec.get("isOpen", False)),
        "isMain": bool(spec.get("isMain", name == "main")),
    }
    if with_content:
        entry["content"] = content
    return entry


def create_quickapp(
    home: Home,
    name: str,
    device_type: str,
    *,
    room_id: int | None = None,
    properties: dict[str, Any] | None = None,
    interfaces: list[str] | None = None,
    files: list[dict[str, Any]] | None = None,
    device_id: int | None = None,
) -> Device:
    """Add a QuickApp device (and its files); the supervisor then starts its worker."""
    device = home.create_device(
        name,
        device_type,
        room_id=room_id,
        parent_id=0,
        properties={**QA_DEFAULT_PROPERTIES, **(properties or {})},
        interfaces=["quickApp", *(interfaces or [])],
        is_plugin=True,
        device_id=device_id,
    )
    device.dto["actions"] = {**device.dto["actions"], "UIAction": 3}
    home.devices.touch(device)
    home.set_quickapp_files(
        device.id, [file_entry(f) for f in (files or [{"name": "main", "isMain": True}])]
    )
    return device


def create_child(home: Home, spec: dict[str, Any]) -> Device:
    """POST /api/plugins/createChildDevice `{parentId, type, name, initialProperties, initialInterfaces}`."""
    parent_id = spec.get("parentId")
    if not isinstance(parent_id, int) or isinstance(parent_id, bool):
        raise BadRequest("field 'parentId' must be a device id")
    parent = home.devices.get(parent_id)
    if not parent.is_quickapp:
        raise BadRequest(f"device {parent_id} is not a QuickApp")
    name, device_type = spec.get("name"), spec.get("type")
    if not isinstance(name, str) or not isinstance(device_type, str) or not device_type:
        raise BadRequest("fields 'name' and 'type' must be strings")
    props = spec.get("initialProperties") or {}
    interfaces = spec.get("initialInterfaces") or []
    if not isinstance(props, dict) or not isinstance(interfaces, list):
        raise BadRequest("initialProperties must be an object and initialInterfaces a list")
    return home.create_device(
        name,
        device_type,
        room_id=int(parent.dto.get("roomID") or 0),
        parent_id=parent_id,
        properties={"quickAppVariables": [], **props},
        interfaces=["quickAppChild", *(str(i) for i in interfaces)],
        is_plugin=True,
    )


def export_fqa(home: Home, device_id: int) -> dict[str, Any]:
    """GET /api/quickApp/export/{id}: the .fqa of a QuickApp device."""
    device = home.devices.get(device_id)
    if "quickApp" not in device.interfaces:
        raise NotFound(f"device {device_id} is not a QuickApp")
    props = device.properties
    keep = ("viewLayout", "uiView", "useUiView", "uiCallbacks", "quickAppVariables",
            "typeTemplateInitialized", "userDescription", "deviceRole", "manufacturer", "model",
            "quickAppUuid", "buildNumber")  # fmt: skip
    return {
        "name": device.dto["name"],
        "type": device.dto["type"],
        "apiVersion": str(props.get("apiVersion", "1.3")),
        "initialProperties": {k: props[k] for k in keep if k in props},
        "initialInterfaces": [i for i in device.interfaces if i != "quickApp"],
        "files": [_exported_file(f) for f in home.quickapp_files.get(device_id, [])],
    }


def _exported_file(file: dict[str, Any]) -> dict[str, Any]:
    """A file as an HC3 exports it: a main file loaded from a folder loses its `--%%` headers
    (plua2 keeps them while it runs the file, so tracebacks match the file's line numbers)."""
    out = dict(file)
    if out.get("isMain") and isinstance(out.get("content"), str):
        out["content"] = strip_headers(out["content"])
    return out
