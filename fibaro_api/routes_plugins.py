"""`/api/plugins/...` and `/api/quickApp/...`: what QuickApps use (REFERENCE.md §2.3).

updateProperty changes the model (changes + DevicePropertyUpdatedEvent); callUIEvent and UIAction
go to the ActionSink as UI events; `/plugins/{id}/variables` is internalStorage; restart asks the
worker control. `/quickApp/import` takes an .fqa as multipart/form-data (`file`, `roomId`) or as a
raw JSON body and creates the QuickApp device; the supervisor's model watcher starts its worker
(and restarts it when `/quickApp/{id}/files` change its code).
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from .device_types import TEMPLATES
from .errors import BadRequest, Conflict, NotFound
from .form_data import parse_form_data
from .fqa import read_fqa
from .quickapp_errors import FqaError
from .quickapps import create_child, create_quickapp, export_fqa, file_entry
from .request import body_object, field, optional_field, query_int, query_str
from .router import MalformedBody, Query, RawJSON, Reply, Router

if TYPE_CHECKING:
    from .api import Api

__all__ = ["register"]

P = dict[str, Any]
_CENTRAL_SCENE = {"centralSceneEvent": "CentralSceneEvent",
                  "sceneActivationEvent": "SceneActivationEvent"}  # fmt: skip


def _device_id(value: Any, name: str = "deviceId") -> int:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"field '{name}' must be a device id")
    return value


def register(router: Router, api: Api) -> None:
    home = api.home

    @router.route("POST", "/api/plugins/updateProperty")
    def update_property(params: P, query: Query, body: Any) -> Reply:
        spec = body_object(body)
        device_id = _device_id(spec.get("deviceId"))
        name = field(spec, "propertyName", str)
        home.update_property(device_id, name, spec.get("value"))
        return 200, None

    @router.route("POST", "/api/plugins/updateView")
    def update_view(params: P, query: Query, body: Any) -> Reply:
        spec = body_object(body)
        device_id = _device_id(spec.get("deviceId"))
        component = field(spec, "componentName", str)
        prop = field(spec, "propertyName", str)
        home.update_view(device_id, component, prop, spec.get("newValue"))
        return 200, None

    def ui_event(spec: dict[str, Any]) -> Reply:
        device_id = _device_id(spec.get("deviceID", spec.get("deviceId")), "deviceID")
        element = spec.get("elementName")
        event_type = spec.get("eventType")
        if not isinstance(element, str) or not isinstance(event_type, str):
            raise BadRequest("callUIEvent needs elementName and eventType")
        values = [spec["value"]] if spec.get("value") is not None else []
        home.ui_event(device_id, event_type, element, values)
        return 200, None

    @router.route("GET", "/api/plugins/callUIEvent")
    def call_ui_event_get(params: P, query: Query, body: Any) -> Reply:
        device_id = query_int(query, "deviceID")
        spec = {"deviceID": device_id, "elementName": query_str(query, "elementName"),
                "eventType": query_str(query, "eventType"), "value": query_str(query, "value")}  # fmt: skip
        return ui_event(spec)

    @router.route("POST", "/api/plugins/callUIEvent")
    def call_ui_event_post(params: P, query: Query, body: Any) -> Reply:
        return ui_event(body_object(body))

    @router.route("POST", "/api/plugins/createChildDevice")
    def create_child_device(params: P, query: Query, body: Any) -> Reply:
        return 200, RawJSON(create_child(home, body_object(body)).json())

    @router.route("DELETE", "/api/plugins/removeChildDevice/{id:int}")
    def remove_child_device(params: P, query: Query, body: Any) -> Reply:
        device = home.devices.get(params["id"])
        if "quickAppChild" not in device.interfaces:
            raise BadRequest(f"device {params['id']} is not a QuickApp child")
        home.delete_device(params["id"])
        return 200, None

    @router.route("POST", "/api/plugins/publishEvent")
    def publish_event(params: P, query: Query, body: Any) -> Reply:
        spec = body_object(body)
        kind = field(spec, "type", str)
        source = spec.get("source", spec.get("deviceId", 0))
        data = optional_field(spec, "data", dict, {})
        event_type = _CENTRAL_SCENE.get(kind, kind[:1].upper() + kind[1:])
        home.refresh.publish(event_type, {"id": source, **data})
        return 200, None

    @router.route("POST", "/api/plugins/interfaces")
    def interfaces(params: P, query: Query, body: Any) -> Reply:
        spec = body_object(body)
        action = field(spec, "action", str)
        names = field(spec, "interfaces", list)
        if action not in ("add", "delete") or not all(isinstance(n, str) for n in names):
            raise BadRequest("interfaces needs action add|delete and a list of names")
        home.set_interfaces(_device_id(spec.get("deviceId")), names, add=action == "add")
        return 200, None

    @router.route("POST", "/api/plugins/restart")
    async def restart(params: P, query: Query, body: Any) -> Reply:
        device_id = _device_id(body_object(body).get("deviceId"))
        home.devices.get(device_id)
        try:
            await api.workers.restart(home.quickapp_of(device_id) or device_id)
        except KeyError:
            return 200, {"status": False}
        return 200, {"status": True}

    # internalStorage ----------------------------------------------------------------------
    @router.route("GET", "/api/plugins/{id:int}/variables")
    def list_vars(params: P, query: Query, body: Any) -> Reply:
        return 200, list(home.storage_of(params["id"]).values())

    @router.route("GET", "/api/plugins/{id:int}/variables/{name}")
    def get_var(params: P, query: Query, body: Any) -> Reply:
        entry = home.storage_of(params["id"]).get(params["name"])
        if entry is None:
            raise NotFound(f"no variable '{params['name']}' on device {params['id']}")
        return 200, entry

    @router.route("POST", "/api/plugins/{id:int}/variables")
    def add_var(params: P, query: Query, body: Any) -> Reply:
        spec = body_object(body)
        name = field(spec, "name", str)
        if name in home.storage_of(params["id"]):
            raise Conflict(f"variable '{name}' exists")
        hidden = optional_field(spec, "isHidden", bool, False)
        home.storage_set(params["id"], name, spec.get("value"), hidden)
        return 201, home.storage_of(params["id"])[name]

    @router.route("PUT", "/api/plugins/{id:int}/variables/{name}")
    def set_var(params: P, query: Query, body: Any) -> Reply:
        spec = body_object(body)
        if params["name"] not in home.storage_of(params["id"]):
            raise NotFound(f"no variable '{params['name']}' on device {params['id']}")
        hidden = optional_field(spec, "isHidden", bool, False)
        home.storage_set(params["id"], params["name"], spec.get("value"), hidden)
        return 200, home.storage_of(params["id"])[params["name"]]

    @router.route("DELETE", "/api/plugins/{id:int}/variables/{name}")
    def delete_var(params: P, query: Query, body: Any) -> Reply:
        home.storage_delete(params["id"], params["name"])
        return 200, None

    @router.route("DELETE", "/api/plugins/{id:int}/variables")
    def clear_vars(params: P, query: Query, body: Any) -> Reply:
        home.storage_delete(params["id"])
        return 200, None

    # quickApp -------------------------------------------------------------------------------
    @router.route("POST", "/api/quickApp")
    def create(params: P, query: Query, body: Any) -> Reply:
        spec = body_object(body)
        files = optional_field(spec, "files", list, [])
        if not all(isinstance(f, dict) for f in files):
            raise BadRequest("field 'files' must be a list of objects")
        device = create_quickapp(
            home,
            field(spec, "name", str),
            field(spec, "type", str),
            room_id=optional_field(spec, "roomId", int, None),
            properties=optional_field(spec, "initialProperties", dict, {}),
            interfaces=[str(i) for i in optional_field(spec, "initialInterfaces", list, [])],
            files=files or None,
        )
        return 200, RawJSON(device.json())

    @router.route("GET", "/api/quickApp/availableTypes")
    def available_types(params: P, query: Query, body: Any) -> Reply:
        return 200, [{"type": t, "label": t.rsplit(".", 1)[-1]} for t in TEMPLATES]

    @router.route("POST", "/api/quickApp/import")
    def import_fqa(params: P, query: Query, body: Any) -> Reply:
        data, room_id = _import_body(body, query_int(query, "roomId"))
        try:
            source = read_fqa(data, "the imported file")
        except FqaError as error:
            raise BadRequest(str(error), "Cannot import quick app file") from None
        device = create_quickapp(
            home,
            source.name,
            source.type,
            room_id=room_id,
            properties=copy.deepcopy(source.initial_properties),
            interfaces=list(source.initial_interfaces),
            files=[f.to_fqa() for f in source.files],
        )
        return 200, RawJSON(device.json())

    @router.route("GET", "/api/quickApp/export/{id:int}")
    def export(params: P, query: Query, body: Any) -> Reply:
        return 200, export_fqa(home, params["id"])

    def files_of(device_id: int) -> list[dict[str, Any]]:
        device = home.devices.get(device_id)
        if "quickApp" not in device.interfaces:
            raise NotFound(f"device {device_id} is not a QuickApp")
        return home.quickapp_files.setdefault(device_id, [])

    @router.route("GET", "/api/quickApp/{id:int}/files")
    def list_files(params: P, query: Query, body: Any) -> Reply:
        return 200, [{k: v for k, v in f.items() if k != "content"} for f in files_of(params["id"])]

    @router.route("POST", "/api/quickApp/{id:int}/files")
    def add_file(params: P, query: Query, body: Any) -> Reply:
        files = files_of(params["id"])
        entry = file_entry(body_object(body))
        if any(f["name"] == entry["name"] for f in files):
            raise Conflict(f"file '{entry['name']}' exists")
        home.set_quickapp_files(params["id"], [*files, entry])
        return 200, entry

    @router.route("PUT", "/api/quickApp/{id:int}/files")
    def put_files(params: P, query: Query, body: Any) -> Reply:
        files_of(params["id"])
        if not isinstance(body, list) or not all(isinstance(f, dict) for f in body):
            raise BadRequest("the body must be a list of files")
        updates = {e["name"]: e for e in (file_entry(f) for f in body)}
        merged = [updates.pop(f["name"], f) for f in files_of(params["id"])]
        home.set_quickapp_files(params["id"], merged + list(updates.values()))
        return 200, None

    @router.route("GET", "/api/quickApp/{id:int}/files/{name}")
    def get_file(params: P, query: Query, body: Any) -> Reply:
        for f in files_of(params["id"]):
            if f["name"] == params["name"]:
                return 200, f
        raise NotFound(f"no file '{params['name']}' in QuickApp {params['id']}")

    @router.route("PUT", "/api/quickApp/{id:int}/files/{name}")
    def put_file(params: P, query: Query, body: Any) -> Reply:
        files = files_of(params["id"])
        entry = file_entry({"name": params["name"], **body_object(body)})
        if not any(f["name"] == params["name"] for f in files):
            raise NotFound(f"no file '{params['name']}' in QuickApp {params['id']}")
        home.set_quickapp_files(
            params["id"], [entry if f["name"] == params["name"] else f for f in files]
        )
        return 200, entry

    @router.route("DELETE", "/api/quickApp/{id:int}/files/{name}")
    def delete_file(params: P, query: Query, body: Any) -> Reply:
        files = files_of(params["id"])
        kept = [f for f in files if f["name"] != params["name"]]
        if len(kept) == len(files):
            raise NotFound(f"no file '{params['name']}' in QuickApp {params['id']}")
        home.set_quickapp_files(params["id"], kept)
        return 200, None


def _import_body(body: Any, room_id: int | None) -> tuple[Any, int | None]:
    """The decoded .fqa and the room of an import: multipart (`file`, `roomId`) or raw JSON."""
    if not isinstance(body, MalformedBody):
        return body, room_id
    fields = parse_form_data(body.raw)
    if fields is None or "file" not in fields:
        raise BadRequest("expected multipart/form-data with a 'file' or a JSON .fqa",
                         "Cannot import quick app file")  # fmt: skip
    try:
        data = json.loads(fields["file"].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("the file is not a JSON .fqa", "Cannot import quick app file") from None
    room = fields.get("roomId", b"").strip()
    if room:
        if not room.isdigit():
            raise BadRequest("field 'roomId' must be a room id")
        room_id = int(room)
    return data, room_id
