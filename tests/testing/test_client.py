"""Every method of the plugin's client, against one `plua2 up` (started with `start_hc3`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from plua2.testing import HC3, HC3RequestError, HC3Timeout, start_hc3

PROBE = """--%%name=Probe
--%%id=5010
--%%type=com.fibaro.multilevelSwitch
--%%u={button="b",text="B",onReleased="pressed"}
--%%u={slider="s",text="S",onChanged="slid"}
function QuickApp:onInit()
  self:debug("probe up")
  self:warning("careful")
  fibaro.debug("PROBE", "tagged")
end
function QuickApp:pressed() self:updateProperty("value", 1) end
function QuickApp:slid(event) self:updateProperty("value", tonumber(event.values[1])) end
function QuickApp:setSum(a, b) self:updateProperty("value", a + b) end
function QuickApp:logLater(text) setTimeout(function() fibaro.debug("PROBE", text) end, 200) end
"""
CLOCK = """--%%name=Clock
--%%id=5011
function QuickApp:onInit()
  self:updateProperty("value", false)
  setTimeout(function() self:updateProperty("value", true) end, 3600 * 1000)
end
"""


@pytest.fixture(scope="module")
def hc3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HC3]:
    project = tmp_path_factory.mktemp("project")
    (project / "probe.lua").write_text(PROBE)
    (project / "clock.lua").write_text(CLOCK)
    server, client = start_hc3(project, tmp_path_factory.mktemp("state"), budget=5)
    assert "--budget" in server.command
    yield client
    assert server.stop() == 0


def test_rest_calls(hc3: HC3) -> None:
    assert hc3.get("/api/devices/5010")["name"] == "Probe"
    assert hc3.get("devices/5010")["name"] == "Probe"
    assert [d["id"] for d in hc3.get("/api/devices", name="Probe")] == [5010]
    hc3.post("/api/globalVariables", {"name": "Mode", "value": "Home"})
    hc3.put("/api/globalVariables/Mode", {"value": "Away"})
    assert hc3.get("/api/globalVariables/Mode")["value"] == "Away"
    hc3.delete("/api/globalVariables/Mode")
    with pytest.raises(HC3RequestError) as caught:
        hc3.get("/api/globalVariables/Mode")
    assert caught.value.status == 404
    assert caught.value.body["type"] == "ERROR"
    assert str(caught.value).startswith("GET /api/globalVariables/Mode -> 404: {")


def test_ui_events_and_actions(hc3: HC3) -> None:
    hc3.ui_event(5010, "b", "onReleased")
    assert hc3.wait_for_property(5010, "value", 1) == 1
    hc3.ui_event(5010, "s", "onChanged", 42)
    hc3.wait_for_property(5010, "value", 42)
    hc3.action(5010, "setSum", 2, 3)
    assert hc3.wait_for_property(5010, "value", lambda v: v == 5, timeout=5) == 5
    assert hc3.property(5010, "nope", "default") == "default"
    with pytest.raises(HC3RequestError):
        hc3.property(5010, "nope")


def test_wait_for_property_times_out_with_the_last_value(hc3: HC3) -> None:
    with pytest.raises(HC3Timeout, match=r"device 5010 property 'value' did not become 7 .*last"):
        hc3.wait_for_property(5010, "value", 7, timeout=0.2)
    with pytest.raises(AssertionError, match="did not become is_big"):

        def is_big(value: object) -> bool:
            return False

        hc3.wait_for_property(5010, "value", is_big, timeout=0.1)


def test_console(hc3: HC3) -> None:
    messages = [line["message"] for line in hc3.console()]
    assert messages.index("probe up") < messages.index("careful")
    assert [line["message"] for line in hc3.console(tag="PROBE")] == ["tagged"]
    warnings = hc3.console(level="warning")
    assert warnings and {line["type"] for line in warnings} == {"warning"}


def test_wait_for_console(hc3: HC3) -> None:
    hc3.action(5010, "logLater", "later line")
    line = hc3.wait_for_console("later line", tag="PROBE", level="debug")
    assert line["message"] == "later line" and line["type"] == "debug"
    assert hc3.wait_for_console(lambda m: m.startswith("probe"))["message"] == "probe up"
    with pytest.raises(HC3Timeout, match="no console line with 'never'"):
        hc3.wait_for_console("never", timeout=0.1)


def test_workers(hc3: HC3) -> None:
    workers = {w["id"]: w for w in hc3.workers()}
    assert workers[5010]["state"] == "running" and workers[5010]["pid"] > 0
    assert workers[5010]["crashed"] is False


def test_advance_time(hc3: HC3) -> None:
    assert hc3.property(5011, "value") is False
    hc3.advance_time(3601)
    hc3.wait_for_property(5011, "value", True, timeout=5)


def test_the_log_is_kept(hc3: HC3) -> None:
    server = hc3.server
    assert server is not None and server.events("ready")[0]["quickapps"] == 2
    assert "[quickapp 5010] probe up" in server.log_text()


def test_a_missing_project_folder(tmp_path: Path) -> None:
    from plua2.testing import HC3StartError

    with pytest.raises(HC3StartError, match="does not exist"):
        start_hc3(tmp_path / "nope", tmp_path / "state")
