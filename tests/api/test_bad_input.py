"""Bad input never makes a 5xx: generated methods, paths, ids, query strings and bodies against every
implemented route (in-process through the same router the HTTP front end uses), plus a sample
through real HTTP."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plua2.fibaro_api.api import Api
from plua2.fibaro_api.home import Home
from plua2.fibaro_api.project import apply_project, load_project
from plua2.fibaro_api.quickapps import create_quickapp
from plua2.fibaro_api.refresh_states import RefreshStates
from plua2_up_helpers import AUTH, EXAMPLE_HOME, Plua2Up


def _api() -> Api:
    config = load_project(EXAMPLE_HOME / "plua2.toml")
    home = Home(None, config.home_settings(), refresh=RefreshStates(poll_timeout=0.001))
    apply_project(home, config)
    create_quickapp(home, "QA", "com.fibaro.binarySwitch", device_id=5000)
    return Api(home)


TEMPLATES = [t for _, t in _api().router.routes()]
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"])
SEGMENT = st.one_of(
    st.sampled_from(
        [
            "1",
            "100",
            "5000",
            "219",
            "0",
            "-1",
            "99999999999999999999",
            "value",
            "Doorbell",
            "HouseMode",
            "main",
            "x y",
            "%00",
            "1.5",
            "",
        ]
    ),  # fmt: skip
    st.text(max_size=12).filter(lambda s: "/" not in s and "?" not in s),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = ["deviceId", "deviceID", "propertyName", "value", "name", "type", "args", "parentId",
          "roomID", "sectionID", "interfaces", "action", "componentName", "newValue", "message",
          "properties", "files", "content", "elementName", "eventType", "data", "isHidden"]  # fmt: skip
OBJECTS = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=5)
BODIES = st.one_of(
    st.binary(max_size=40),
    JSON.map(lambda v: json.dumps(v).encode()),
    OBJECTS.map(lambda v: json.dumps(v).encode()),
)
QUERY_KEYS = ["last", "deviceID", "name", "arg1", "arg2", "parentId", "roomID", "type",
              "interface", "property", "enabled", "visible", "logs", "from", "to", "types",
              "elementName", "eventType", "value", "empty"]  # fmt: skip
QUERIES = st.lists(
    st.tuples(st.sampled_from(QUERY_KEYS) | st.text(max_size=5), SEGMENT), max_size=4
).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))


def _unimplemented_hc3_path(status: int, payload: bytes) -> bool:
    """501 is the designed answer for a path the HC3 has and plua2 does not serve yet."""
    return status == 501 and json.loads(payload)["reason"] == "NOT_IMPLEMENTED"


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, str, bytes]:
    if draw(st.integers(0, 9)) == 0:
        path = "/api/" + "/".join(draw(st.lists(SEGMENT, max_size=4)))
    else:
        template = draw(st.sampled_from(TEMPLATES))
        path = re.sub(r"\{[^}]+\}", lambda _: draw(SEGMENT), template)
    return draw(METHODS), path, draw(QUERIES), draw(BODIES)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(request=requests())
async def test_generated_requests_never_get_a_5xx(request: tuple[str, str, str, bytes]) -> None:
    method, path, query, body = request
    status, payload = await API.dispatch_raw(method, path, query, body)
    assert status < 500 or _unimplemented_hc3_path(status, payload), (method, path, query, body)
    if status >= 400:
        assert json.loads(payload)["type"] == "ERROR"


API = _api()


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(request=requests())
def test_generated_requests_over_http_never_get_a_5xx(
    plua2_up: Plua2Up, request: tuple[str, str, str, bytes]
) -> None:
    method, path, query, body = request
    with httpx.Client(base_url=plua2_up.url, auth=AUTH, timeout=10) as client:
        url = quote(path, safe="/") + ("?" + quote(query, safe="=&") if query else "")
        reply = client.request(method, url, content=body)
    assert reply.status_code < 500 or _unimplemented_hc3_path(reply.status_code, reply.content), (
        method, path, query, body, reply.text,
    )  # fmt: skip
