"""The router and the in-process Api: resolution, HC3 error bodies, 404 / 405 / 501."""

from __future__ import annotations

import pytest
from plua2.fibaro_api.errors import BadRequest, MethodNotAllowed, NotFound, NotImplementedYet
from plua2.fibaro_api.router import MalformedBody, RawJSON, Router
from plua2.fibaro_api.routes_devices import action_args


def _router() -> Router:
    router = Router(known=[("GET", "/api/energy/{id}"), ("POST", "/api/things")])
    router.add("GET", "/api/things", lambda p, q, b: (200, "list"))
    router.add("GET", "/api/things/{id:int}", lambda p, q, b: (200, p["id"]))
    router.add("GET", "/api/things/{id:int}/props/{name}", lambda p, q, b: (200, p))
    return router


def test_static_and_template_routes_resolve_with_converted_params() -> None:
    router = _router()
    route, params = router.resolve("GET", "/api/things/42")
    assert params == {"id": 42}
    _, params = router.resolve("GET", "/api/things/7/props/value")
    assert params == {"id": 7, "name": "value"}
    route, params = router.resolve("GET", "/api/things/")
    assert params == {} and route.template == "/api/things"


def test_non_numeric_id_is_a_bad_request_not_a_miss() -> None:
    with pytest.raises(BadRequest):
        _router().resolve("GET", "/api/things/abc")


def test_unknown_paths_are_404_hc3_paths_are_501_other_methods_405() -> None:
    router = _router()
    with pytest.raises(NotFound):
        router.resolve("GET", "/api/nothing/here")
    with pytest.raises(NotImplementedYet):
        router.resolve("GET", "/api/energy/5")
    with pytest.raises(NotImplementedYet):
        router.resolve("POST", "/api/things")  # the HC3 has it, we do not
    with pytest.raises(MethodNotAllowed):
        router.resolve("DELETE", "/api/things/1")


async def test_dispatch_turns_errors_into_hc3_error_bodies() -> None:
    status, body = await _router().dispatch("GET", "/api/energy/1", {}, None)
    assert status == 501
    assert body["type"] == "ERROR" and "GET /api/energy/1" in body["message"]
    status, body = await _router().dispatch("GET", "/api/zzz", {}, None)
    assert status == 404 and body["reason"] == "NOT_FOUND"


def test_action_args_accept_every_shape_clients_send() -> None:
    assert action_args(None) == []
    assert action_args({}) == []
    assert action_args({"args": [1, "a"]}) == [1, "a"]
    assert action_args({"args": 5}) == [5]
    assert action_args(MalformedBody(b'{ "args":"50"')) == ["50"]  # fiblary3's broken body
    with pytest.raises(BadRequest):
        action_args("text")


async def test_api_call_is_in_process_and_relative_to_api(home_api) -> None:  # type: ignore[no-untyped-def]
    status, device = await home_api.call("GET", "/devices/100")
    assert status == 200 and device["name"] == "Ceiling lamp"
    status, same = await home_api.call("GET", "/api/devices/100")
    assert same == device
    status, found = await home_api.call("GET", "/devices?interface=turnOnOff&roomID=220")
    assert status == 200 and {d["id"] for d in found} == {100, 101}
    status, found = await home_api.call("GET", "/devices", query={"name": "Blinds"})
    assert [d["id"] for d in found] == [104]
    status, raw = await home_api.call_raw("GET", "devices/100/properties/value")
    assert status == 200 and raw.startswith(b'{"value":false')
    assert isinstance(RawJSON(b"[]").data, bytes)


async def test_device_list_filters(home_api) -> None:  # type: ignore[no-untyped-def]
    async def ids(query: str) -> set[int]:
        status, devices = await home_api.call("GET", "/devices?" + query)
        assert status == 200, devices
        return {d["id"] for d in devices}

    assert await ids("parentId=1") == {100, 101, 102, 103, 104}
    assert await ids("type=com.fibaro.doorSensor") == {103}
    assert await ids("name=Blinds") == {104}
    assert await ids("property=[value,21.5]") == {102}
    assert await ids("property=[value,false]") >= {100, 103}
    assert await ids("enabled=true&visible=false") == {1}
    assert await ids("interface=battery&roomID=221") == {102, 103}
    status, _ = await home_api.call("GET", "/devices?enabled=maybe")
    assert status == 400
