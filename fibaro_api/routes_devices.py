"""`/api/devices...` and `/api/callAction`: device reads (the hot path), edits and actions.

The hot reads return `RawJSON` straight from the devices' caches. Actions answer 202 at once with
`{"endTimestamp": ..., "message": "Accepted"}` after handing the action to `Home.call_action`
(which queues it to a QuickApp's worker or runs a plain device's built-in behaviour); an unknown
device is 404, an unknown action on a known device is still 202 (see device_types.py).
"""

from __future__ import annotations

import re
import time
from typing import Any

from .device_filters import matching
from .device_types import hierarchy
from .errors import BadRequest, NotFound
from .home import Home
from .request import body_object, field, optional_field, query_int, query_str
from .router import MalformedBody, Query, RawJSON, Reply, Router

__all__ = ["action_args", "register"]

_FIBLARY_ARGS = re.compile(rb'"args"\s*:\s*"([^"]*)"')


def action_args(body: Any) -> list[Any]:
    """The args of an action body: `{}`, `{"args": [...]}`, empty, or a broken fiblary3 body."""
    if body is None:
        return []
    if isinstance(body, MalformedBody):
        found = _FIBLARY_ARGS.search(body.raw)
        raw = found.group(1) if found else body.raw
        return [raw.decode("utf-8", "replace")]
    if isinstance(body, list):
        return body
    if not isinstance(body, dict):
        raise BadRequest("an action body must be a JSON object")
    args = body.get("args", [])
    if args is None:
        return []
    return args if isinstance(args, list) else [args]


def _query_args(query: Query) -> list[Any]:
    args = []
    n = 1
    while f"arg{n}" in query:
        args.append(query[f"arg{n}"][-1])
        n += 1
    return args


def _accepted() -> Reply:
    return 202, {"endTimestamp": int(time.time()), "message": "Accepted"}


def register(router: Router, home: Home) -> None:
    devices = home.devices

    @router.route("GET", "/api/devices")
    def list_devices(params: dict[str, Any], query: Query, body: Any) -> Reply:
        if not query or all(k in ("viewVersion",) for k in query):
            return 200, RawJSON(devices.list_json())
        found = devices.filtered(query)
        return 200, RawJSON(b"[" + b",".join(d.json() for d in found) + b"]")

    @router.route("GET", "/api/devices/hierarchy")
    def device_hierarchy(params: dict[str, Any], query: Query, body: Any) -> Reply:
        return 200, hierarchy()

    @router.route("GET", "/api/devices/{id:int}")
    def get_device(params: dict[str, Any], query: Query, body: Any) -> Reply:
        return 200, RawJSON(devices.get(params["id"]).json())

    @router.route("GET", "/api/devices/{id:int}/properties/{name}")
    def get_property(params: dict[str, Any], query: Query, body: Any) -> Reply:
        device = devices.get(params["id"])
        name = params["name"]
        if name not in device.properties:
            raise NotFound(f"device {params['id']} has no property '{name}'")
        return 200, {"value": device.properties[name], "modified": device.property_modified(name)}

    @router.route("POST", "/api/devices")
    def create_device(params: dict[str, Any], query: Query, body: Any) -> Reply:
        spec = body_object(body)
        props = optional_field(spec, "properties", dict, {})
        interfaces = optional_field(spec, "interfaces", list, [])
        device = home.create_device(
            field(spec, "name", str),
            field(spec, "type", str),
            room_id=optional_field(spec, "roomID", int, None),
            parent_id=optional_field(spec, "parentId", int, 1),
            properties=props,
            interfaces=[str(i) for i in interfaces],
        )
        return 200, RawJSON(device.json())

    @router.route("PUT", "/api/devices/{id:int}")
    def modify_device(params: dict[str, Any], query: Query, body: Any) -> Reply:
        device = home.modify_device(params["id"], body_object(body))
        return 200, RawJSON(device.json())

    @router.route("DELETE", "/api/devices/{id:int}")
    def delete_device(params: dict[str, Any], query: Query, body: Any) -> Reply:
        home.delete_device(params["id"])
        return 200, None

    @router.route("POST", "/api/devices/filter")
    def filter_devices(params: dict[str, Any], query: Query, body: Any) -> Reply:
        found = matching((d.dto for d in devices.filtered({})), body_object(body).get("filters"))
        return 200, found

    @router.route("POST", "/api/devices/groupAction/{name}")
    def group_action(params: dict[str, Any], query: Query, body: Any) -> Reply:
        request = body_object(body)
        targets = matching((d.dto for d in devices.filtered({})), request.get("filters"))
        args = action_args({"args": request.get("args", [])})
        ids = [int(dto["id"]) for dto in targets]
        for device_id in ids:
            _run_action(device_id, params["name"], list(args))
        return 202, {"devices": ids}

    @router.route("POST", "/api/devices/{id:int}/action/{name}")
    def post_action(params: dict[str, Any], query: Query, body: Any) -> Reply:
        devices.get(params["id"])
        args = action_args(body)
        return _run_action(params["id"], params["name"], args)

    @router.route("GET", "/api/devices/{id:int}/action/{name}")
    def get_action(params: dict[str, Any], query: Query, body: Any) -> Reply:
        devices.get(params["id"])
        return _run_action(params["id"], params["name"], _query_args(query))

    @router.route("GET", "/api/callAction")
    def call_action(params: dict[str, Any], query: Query, body: Any) -> Reply:
        device_id = query_int(query, "deviceID")
        if device_id is None:
            device_id = query_int(query, "deviceId")
        name = query_str(query, "name")
        if device_id is None or not name:
            raise BadRequest("callAction needs deviceID and name")
        devices.get(device_id)
        return _run_action(device_id, name, _query_args(query))

    def _run_action(device_id: int, name: str, args: list[Any]) -> Reply:
        if name == "UIAction":
            event_type = str(args[0]) if args else ""
            element = str(args[1]) if len(args) > 1 else ""
            home.ui_event(device_id, event_type, element, list(args[2:]))
        else:
            home.call_action(device_id, name, args)
        return _accepted()
