"""Settings, login, home, location, weather, profiles, alarms, users, the console and
`/api/refreshStates` (the long poll)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import catalog
from .errors import BadRequest, NotFound
from .home import SETTINGS_ATTRS
from .request import body_object, query_bool, query_int, query_str
from .router import Query, Reply, Router

if TYPE_CHECKING:
    from .api import Api

__all__ = ["register"]

P = dict[str, Any]
#: PUT /api/settings/info fields -> HomeSettings attributes (restored by Home on start)
_SETTINGS_FIELDS = SETTINGS_ATTRS


def register(router: Router, api: Api) -> None:
    home = api.home
    settings = home.settings

    @router.route("GET", "/api/settings/info")
    def info(params: P, query: Query, body: Any) -> Reply:
        return 200, catalog.info_dto(settings, home.rooms.default_room_id)

    @router.route("PUT", "/api/settings/info")
    def put_info(params: P, query: Query, body: Any) -> Reply:
        spec = body_object(body)
        for key, attr in _SETTINGS_FIELDS.items():
            if key in spec:
                if not isinstance(spec[key], str):
                    raise BadRequest(f"field '{key}' must be a string")
                setattr(settings, attr, spec[key])
        home.persist(
            "settings", "info", {k: getattr(settings, a) for k, a in _SETTINGS_FIELDS.items()}
        )
        return 200, catalog.info_dto(settings, home.rooms.default_room_id)

    @router.route("GET", "/api/loginStatus")
    def login_status(params: P, query: Query, body: Any) -> Reply:
        return 200, catalog.login_status(home.username)

    @router.route("POST", "/api/loginStatus")
    def login_action(params: P, query: Query, body: Any) -> Reply:
        action = query_str(query, "action") or "login"
        if action not in ("login", "logout"):
            raise BadRequest("action must be login or logout")
        return 200, catalog.login_status(home.username)

    @router.route("GET", "/api/home")
    def get_home(params: P, query: Query, body: Any) -> Reply:
        return 200, catalog.home_dto(settings)

    @router.route("GET", "/api/settings/location")
    def location(params: P, query: Query, body: Any) -> Reply:
        return 200, catalog.location_dto(settings)

    @router.route("GET", "/api/weather")
    def weather(params: P, query: Query, body: Any) -> Reply:
        return 200, catalog.weather_dto()

    # profiles -------------------------------------------------------------------------------
    @router.route("GET", "/api/profiles")
    def profiles(params: P, query: Query, body: Any) -> Reply:
        return 200, home.profiles

    def profile(profile_id: int) -> dict[str, Any]:
        for entry in home.profiles["profiles"]:
            if entry["id"] == profile_id:
                return entry  # type: ignore[no-any-return]
        raise NotFound(f"profile {profile_id} does not exist")

    @router.route("GET", "/api/profiles/{id:int}")
    def get_profile(params: P, query: Query, body: Any) -> Reply:
        return 200, profile(params["id"])

    @router.route("POST", "/api/profiles/activeProfile/{id:int}")
    def activate(params: P, query: Query, body: Any) -> Reply:
        profile(params["id"])
        old = home.profiles["activeProfile"]
        home.profiles["activeProfile"] = params["id"]
        home.save_profiles()
        home.refresh.publish(
            "ActiveProfileChangedEvent",
            {"newActiveProfile": params["id"], "oldActiveProfile": old},
        )
        return 200, None

    # alarm partitions -----------------------------------------------------------------------
    @router.route("GET", "/api/alarms/v1/partitions")
    def partitions(params: P, query: Query, body: Any) -> Reply:
        return 200, list(home.partitions.values())

    @router.route("GET", "/api/alarms/v1/partitions/breached")
    def breached(params: P, query: Query, body: Any) -> Reply:
        return 200, [p["id"] for p in home.partitions.values() if p["breached"]]

    def partition(partition_id: int) -> dict[str, Any]:
        found = home.partitions.get(partition_id)
        if found is None:
            raise NotFound(f"alarm partition {partition_id} does not exist")
        return found

    @router.route("GET", "/api/alarms/v1/partitions/{id:int}")
    def get_partition(params: P, query: Query, body: Any) -> Reply:
        return 200, partition(params["id"])

    def arm(ids: list[int], armed: bool) -> None:
        for partition_id in ids:
            entry = partition(partition_id)
            if entry["armed"] != armed:
                home.save_partition({**entry, "armed": armed})
                home.refresh.publish(
                    "AlarmPartitionArmedEvent", {"partitionId": partition_id, "armed": armed}
                )

    @router.route("POST", "/api/alarms/v1/partitions/actions/arm")
    def arm_all(params: P, query: Query, body: Any) -> Reply:
        arm(list(home.partitions), True)
        return 204, None

    @router.route("DELETE", "/api/alarms/v1/partitions/actions/arm")
    def disarm_all(params: P, query: Query, body: Any) -> Reply:
        arm(list(home.partitions), False)
        return 204, None

    @router.route("POST", "/api/alarms/v1/partitions/{id:int}/actions/arm")
    def arm_one(params: P, query: Query, body: Any) -> Reply:
        arm([params["id"]], True)
        return 204, None

    @router.route("DELETE", "/api/alarms/v1/partitions/{id:int}/actions/arm")
    def disarm_one(params: P, query: Query, body: Any) -> Reply:
        arm([params["id"]], False)
        return 204, None

    # users ----------------------------------------------------------------------------------
    @router.route("GET", "/api/users")
    def users(params: P, query: Query, body: Any) -> Reply:
        return 200, [catalog.admin_user(home.username)]

    @router.route("GET", "/api/users/{id:int}")
    def user(params: P, query: Query, body: Any) -> Reply:
        if params["id"] != 2:
            raise NotFound(f"user {params['id']} does not exist")
        return 200, catalog.admin_user(home.username)

    # console --------------------------------------------------------------------------------
    @router.route("GET", "/api/debugMessages")
    def debug_messages(params: P, query: Query, body: Any) -> Reply:
        types = {t for t in (query_str(query, "types") or "").split(",") if t}
        tags = {t for t in (query_str(query, "filter") or "").split(",") if t}
        page = home.console.page(
            last=query_int(query, "last"),
            types=types or None,
            tags=tags or None,
            start=query_int(query, "from"),
            end=query_int(query, "to"),
        )
        return 200, page

    @router.route("POST", "/api/debugMessages")
    def add_debug_message(params: P, query: Query, body: Any) -> Reply:
        spec = body_object(body)
        message = spec.get("message")
        level = spec.get("messageType", spec.get("type", "debug"))
        tag = spec.get("tag", "")
        device_id = spec.get("deviceId")
        if not isinstance(message, str) or not isinstance(level, str) or not isinstance(tag, str):
            raise BadRequest("debugMessages needs a string message, messageType and tag")
        if device_id is not None and (
            not isinstance(device_id, int) or isinstance(device_id, bool)
        ):
            raise BadRequest("field 'deviceId' must be an integer")
        home.console.add(device_id, level, tag, message)
        return 200, None

    @router.route("DELETE", "/api/debugMessages")
    def clear_console(params: P, query: Query, body: Any) -> Reply:
        home.console.clear()
        return 204, None

    @router.route("GET", "/api/debugMessages/tags")
    def console_tags(params: P, query: Query, body: Any) -> Reply:
        return 200, home.console.tags()

    # refreshStates --------------------------------------------------------------------------
    @router.route("GET", "/api/refreshStates")
    async def refresh_states(params: P, query: Query, body: Any) -> Reply:
        last = query_int(query, "last", 0) or 0
        await home.refresh.wait(last)
        logs = home.console.since(home.console.last_id - 100) if query_bool(query, "logs") else None
        return 200, home.refresh.answer(last, logs)
