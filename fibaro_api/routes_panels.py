"""`/api/globalVariables`, `/api/customEvents`, `/api/rooms`, `/api/sections`, `/api/scenes`."""

from __future__ import annotations

from typing import Any

from .errors import BadRequest
from .home import Home
from .request import body_object, query_bool
from .router import Query, Reply, Router

__all__ = ["register"]

P = dict[str, Any]


def register(router: Router, home: Home) -> None:
    variables, rooms, scenes = home.variables, home.rooms, home.scenes

    # global variables -------------------------------------------------------------------
    @router.route("GET", "/api/globalVariables")
    def list_globals(params: P, query: Query, body: Any) -> Reply:
        return 200, list(variables.globals.values())

    @router.route("POST", "/api/globalVariables")
    def add_global(params: P, query: Query, body: Any) -> Reply:
        return 201, variables.add_global(body_object(body))

    @router.route("GET", "/api/globalVariables/{name}")
    def get_global(params: P, query: Query, body: Any) -> Reply:
        return 200, variables.get_global(params["name"])

    @router.route("PUT", "/api/globalVariables/{name}")
    def set_global(params: P, query: Query, body: Any) -> Reply:
        spec = body_object(body)
        return 200, variables.set_global(params["name"], spec.get("value", ""))

    @router.route("DELETE", "/api/globalVariables/{name}")
    def delete_global(params: P, query: Query, body: Any) -> Reply:
        variables.delete_global(params["name"])
        return 200, None

    # custom events ------------------------------------------------------------------------
    @router.route("GET", "/api/customEvents")
    def list_events(params: P, query: Query, body: Any) -> Reply:
        return 200, list(variables.custom_events.values())

    @router.route("POST", "/api/customEvents")
    def add_event(params: P, query: Query, body: Any) -> Reply:
        spec = body_object(body)
        return 201, variables.add_event(spec.get("name"), spec.get("userDescription", ""))

    @router.route("GET", "/api/customEvents/{name}")
    def get_event(params: P, query: Query, body: Any) -> Reply:
        return 200, variables.get_event(params["name"])

    @router.route("PUT", "/api/customEvents/{name}")
    def modify_event(params: P, query: Query, body: Any) -> Reply:
        return 200, variables.modify_event(params["name"], body_object(body))

    @router.route("DELETE", "/api/customEvents/{name}")
    def delete_event(params: P, query: Query, body: Any) -> Reply:
        variables.delete_event(params["name"])
        return 204, None

    @router.route("POST", "/api/customEvents/{name}")
    def emit_event(params: P, query: Query, body: Any) -> Reply:
        variables.emit_event(params["name"])
        return 204, None

    @router.route("GET", "/api/customEvents/{name}/publish")
    def publish_event(params: P, query: Query, body: Any) -> Reply:
        variables.emit_event(params["name"])
        return 204, None

    # rooms ----------------------------------------------------------------------------------
    @router.route("GET", "/api/rooms")
    def list_rooms(params: P, query: Query, body: Any) -> Reply:
        visible = query_bool(query, "visible")
        empty = query_bool(query, "empty")
        out = []
        for room in rooms.rooms.values():
            if visible is not None and room.get("visible") != visible:
                continue
            if empty is not None:
                has = any(d.dto.get("roomID") == room["id"] for d in home.devices)
                if has == empty:
                    continue
            out.append(room)
        return 200, out

    @router.route("POST", "/api/rooms")
    def add_room(params: P, query: Query, body: Any) -> Reply:
        return 201, rooms.add_room(body_object(body))

    @router.route("GET", "/api/rooms/{id:int}")
    def get_room(params: P, query: Query, body: Any) -> Reply:
        return 200, rooms.get_room(params["id"])

    @router.route("PUT", "/api/rooms/{id:int}")
    def modify_room(params: P, query: Query, body: Any) -> Reply:
        return 200, rooms.modify_room(params["id"], body_object(body))

    @router.route("DELETE", "/api/rooms/{id:int}")
    def delete_room(params: P, query: Query, body: Any) -> Reply:
        rooms.delete_room(params["id"])
        return 200, None

    @router.route("POST", "/api/rooms/{id:int}/action/setAsDefault")
    def set_default_room(params: P, query: Query, body: Any) -> Reply:
        rooms.set_default(params["id"])
        return 200, None

    @router.route("POST", "/api/rooms/{id:int}/groupAssignment")
    def group_assignment(params: P, query: Query, body: Any) -> Reply:
        spec = body_object(body)
        ids = spec.get("deviceIds", [])
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids
        ):
            raise BadRequest("field 'deviceIds' must be a list of ids")
        rooms.get_room(params["id"])
        for device_id in ids:
            home.devices.get(device_id)
        for device_id in ids:
            home.modify_device(device_id, {"roomID": params["id"]})
        return 200, None

    # sections -------------------------------------------------------------------------------
    @router.route("GET", "/api/sections")
    def list_sections(params: P, query: Query, body: Any) -> Reply:
        return 200, list(rooms.sections.values())

    @router.route("POST", "/api/sections")
    def add_section(params: P, query: Query, body: Any) -> Reply:
        return 201, rooms.add_section(body_object(body))

    @router.route("GET", "/api/sections/{id:int}")
    def get_section(params: P, query: Query, body: Any) -> Reply:
        return 200, rooms.get_section(params["id"])

    @router.route("PUT", "/api/sections/{id:int}")
    def modify_section(params: P, query: Query, body: Any) -> Reply:
        return 200, rooms.modify_section(params["id"], body_object(body))

    @router.route("DELETE", "/api/sections/{id:int}")
    def delete_section(params: P, query: Query, body: Any) -> Reply:
        rooms.delete_section(params["id"])
        return 200, None

    # scenes ---------------------------------------------------------------------------------
    @router.route("GET", "/api/scenes")
    def list_scenes(params: P, query: Query, body: Any) -> Reply:
        return 200, list(scenes.scenes.values())

    @router.route("POST", "/api/scenes")
    def add_scene(params: P, query: Query, body: Any) -> Reply:
        return 201, {"id": scenes.add(body_object(body))["id"]}

    @router.route("GET", "/api/scenes/{id:int}")
    def get_scene(params: P, query: Query, body: Any) -> Reply:
        return 200, scenes.get(params["id"])

    @router.route("PUT", "/api/scenes/{id:int}")
    def modify_scene(params: P, query: Query, body: Any) -> Reply:
        scenes.modify(params["id"], body_object(body))
        return 204, None

    @router.route("DELETE", "/api/scenes/{id:int}")
    def delete_scene(params: P, query: Query, body: Any) -> Reply:
        scenes.delete(params["id"])
        return 204, None

    for verb in ("execute", "executeSync"):
        for method in ("GET", "POST"):
            router.add(method, f"/api/scenes/{{id:int}}/{verb}", _execute(home))
    for method in ("GET", "POST"):
        router.add(method, "/api/scenes/{id:int}/kill", _kill(home))


def _execute(home: Home) -> Any:
    def execute(params: P, query: Query, body: Any) -> Reply:
        args = body.get("args") if isinstance(body, dict) else None  # passed as sourceTrigger.args
        home.scenes.execute(params["id"], args)
        return 204, None

    return execute


def _kill(home: Home) -> Any:
    def kill(params: P, query: Query, body: Any) -> Reply:
        home.scenes.kill(params["id"])
        return 204, None

    return kill
