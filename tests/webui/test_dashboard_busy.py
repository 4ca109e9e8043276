"""The dashboard beside a QuickApp that spins in `while true do end`, with `--no-console`.

The home is the example home plus a Spinner QuickApp whose interval callback never returns (the
budget stops each one after 3 s and the next one starts at once): its worker burns a core the
whole time. The supervisor never runs Lua, so the page, its websocket and the API keep answering.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from webui_helpers import Dashboard, copy_home, wait_for

expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright").expect

SPINNER = """--%%name=Spinner
--%%id=5100
--%%type=com.fibaro.binarySwitch

function QuickApp:onInit()
  setInterval(function() while true do end end, 10)
end
"""
PANEL = 5004


@pytest.fixture(scope="module")
def busy(start_dashboard: Any, tmp_path_factory: pytest.TempPathFactory) -> Dashboard:
    folder = copy_home(tmp_path_factory.mktemp("busy") / "home", {"spinner.lua": SPINNER})
    dashboard: Dashboard = start_dashboard(folder, "--no-console")
    assert 5100 in dashboard.workers()
    # the spinner's process is busy: psutil sees (nearly) a whole core
    wait_for(lambda: (dashboard.workers()[5100]["cpu_percent"] or 0) > 50, 10, "spinner at 100%")
    return dashboard


def test_the_dashboard_keeps_answering_while_a_quickapp_spins(
    busy: Dashboard, page_for: Any
) -> None:
    for path in ("/", "/assets/app.js", "/api/devices", "/plua/workers"):
        started = time.monotonic()
        assert busy.client.get(path).status_code == 200
        assert time.monotonic() - started < 0.5, path

    started = time.monotonic()
    page = page_for(busy)
    expect(page.locator('#devices tr[data-id="5100"] .state')).to_have_text("RUNNING")
    assert time.monotonic() - started < 5.0

    # live updates still flow: a button on another QuickApp, its property on the page
    page.goto(f"{busy.url}/#/device/{PANEL}")
    page.locator('#qa-ui [data-element="on"]').click()
    expect(page.locator('#props tr[data-prop="value"] td').nth(1)).to_have_text("100")
    expect(page.locator('#qa-ui [data-element="status"]')).to_have_text("Level 100")
    assert busy.workers()[5100]["state"] == "running"  # and still spinning (its interval)


def test_no_console_turns_the_lua_console_off(busy: Dashboard, page_for: Any) -> None:
    response = busy.client.post(f"/ui/eval/{PANEL}", json={"code": "return 1+1"})
    assert response.status_code == 403
    assert response.json() == {
        "type": "ERROR",
        "reason": "FORBIDDEN",
        "message": "the Lua console is off (plua2 up --no-console)",
    }
    page = page_for(busy)
    page.goto(f"{busy.url}/#/device/{PANEL}")
    expect(page.locator("#qa-ui")).to_be_visible()
    expect(page.locator("#lua-in")).to_have_count(0)
