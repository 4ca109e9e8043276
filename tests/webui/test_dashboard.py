"""The dashboard in a real headless Chromium against a real `plua2 up` of the example home.

One `plua2 up` for the module (a temporary copy of examples/home); each test opens its own page.
The tests that change workers (restart, stop/start) run last. The devices page (with one QuickApp
stopped and one restarted) and one device's page are saved as docs/dashboard-devices.png and
docs/dashboard-device.png (the README shows them).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from webui_helpers import DOCS, Dashboard, copy_home, wait_for

expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright").expect

PANEL = 5004  # Living room panel: buttons, a slider and a label
HALL, PORCH, GARDEN = 5000, 5001, 5003


@pytest.fixture(scope="module")
def home(start_dashboard: Any, tmp_path_factory: pytest.TempPathFactory) -> Dashboard:
    folder = copy_home(tmp_path_factory.mktemp("dash") / "home")
    return start_dashboard(folder)  # type: ignore[no-any-return]


def row(page: Any, device_id: int) -> Any:
    return page.locator(f'#devices tbody tr[data-id="{device_id}"]')


def test_devices_page_lists_every_device(home: Dashboard, page_for: Any) -> None:
    page = page_for(home)
    devices = [d for d in home.get("/api/devices") if d["id"] != 1]
    assert len(devices) >= 13  # 5 plain devices, 6 QuickApps, 2 children
    expect(page.locator("#devices tbody tr[data-id]")).to_have_count(len(devices))
    for device in devices:
        expect(row(page, device["id"]).locator("td.name")).to_have_text(device["name"])
    for worker_id in home.workers():
        expect(row(page, worker_id).locator(".state")).to_have_text("RUNNING")
        expect(row(page, worker_id).locator("button[data-action=restart]")).to_be_enabled()


def test_a_button_on_a_device_page_changes_its_property(home: Dashboard, page_for: Any) -> None:
    page = page_for(home)
    page.goto(f"{home.url}/#/device/{PANEL}")
    page.locator('#qa-ui [data-element="on"]').click()
    wait_for(lambda: home.prop(PANEL, "value") == 100, 5, "panel value 100")
    expect(page.locator('#props tr[data-prop="value"] td').nth(1)).to_have_text("100")
    expect(page.locator('#qa-ui [data-element="status"]')).to_have_text("Level 100")  # updateView
    expect(page.locator('#qa-ui [data-element="level"]')).to_have_value("100")

    page.locator('#qa-ui [data-element="off"]').click()
    wait_for(lambda: home.prop(PANEL, "value") == 0, 5, "panel value 0")
    expect(page.locator('#qa-ui [data-element="status"]')).to_have_text("Level 0")

    page.locator('#qa-ui [data-element="on"]').click()  # the screenshot shows it on
    expect(page.locator('#qa-ui [data-element="status"]')).to_have_text("Level 100")
    console_in = page.locator("#lua-in")
    console_in.fill("return quickApp.name, fibaro.getValue(quickApp.id, 'value')")
    console_in.press("Enter")
    expect(page.locator("#lua-out .out")).to_have_text("Living room panel\t100")
    console_in.fill('quickApp:debug("hello from the console")')
    console_in.press("Enter")
    expect(page.locator("#log-panel .log", has_text="hello from the console")).to_have_count(1)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(DOCS / "dashboard-device.png"), full_page=True)


def test_a_switch_button_of_another_quickapp(home: Dashboard, page_for: Any) -> None:
    page = page_for(home)
    page.goto(f"{home.url}/#/device/{PORCH}")
    before = home.prop(PORCH, "value")
    page.locator('#qa-ui [data-element="toggle"]').click()
    wait_for(lambda: home.prop(PORCH, "value") is (not before), 5, "porch toggled")
    expect(page.locator('#props tr[data-prop="value"] td').nth(1)).to_have_text(
        str(not before).lower()
    )


def test_a_quickapp_log_line_shows_in_the_log_panel_within_1s(
    home: Dashboard, page_for: Any
) -> None:
    page = page_for(home)
    page.goto(f"{home.url}/#/logs")
    lines = page.locator("#log-panel .log", has_text="Garden lamp 1 on")
    before = lines.count()
    started = time.monotonic()
    response = home.client.post(f"/api/devices/{GARDEN}/action/turnOn", json={"args": []})
    assert response.status_code in (200, 202)
    expect(lines).to_have_count(before + 1, timeout=1000)
    assert time.monotonic() - started < 1.0
    line = lines.last
    expect(line.locator(".level")).to_have_text("debug")
    assert line.get_attribute("data-device") == str(GARDEN)

    # filtered by device and by level
    page.select_option("#log-device", str(HALL))
    expect(lines).to_have_count(0)
    page.select_option("#log-device", str(GARDEN))
    expect(lines).to_have_count(before + 1)
    page.locator(".levels input[value=debug]").uncheck()
    expect(lines).to_have_count(0)


def test_a_lua_error_shows_its_traceback_preformatted(home: Dashboard, page_for: Any) -> None:
    page = page_for(home)
    page.goto(f"{home.url}/#/logs")
    code = "setTimeout(function() local t = nil; return t.field end, 0)"
    assert home.client.post(f"/ui/eval/{HALL}", json={"code": code}).json()["ok"]
    error = page.locator("#log-panel .log.error", has_text="attempt to index").last
    expect(error).to_be_visible()
    text = error.locator("pre").inner_text()
    assert "stack traceback" in text and "\n" in text


def test_return_1_plus_1_in_the_console_shows_2(home: Dashboard, page_for: Any) -> None:
    page = page_for(home)
    page.goto(f"{home.url}/#/device/{HALL}")
    page.locator("#lua-in").fill("return 1+1")
    page.locator("#lua-in").press("Enter")
    expect(page.locator("#lua-out .out").last).to_have_text("2")
    page.locator("#lua-in").fill("error('nope')")
    page.locator("#lua-in").press("Enter")
    expect(page.locator("#lua-out .err").last).to_contain_text("nope")


def test_global_variables_edit_and_live(home: Dashboard, page_for: Any) -> None:
    page = page_for(home)
    page.goto(f"{home.url}/#/globals")
    field = page.locator('#globals tr[data-name="HouseMode"] input')
    field.fill("Away")
    field.press("Enter")
    wait_for(lambda: home.get("/api/globalVariables/HouseMode")["value"] == "Away", 5, "Away")
    response = home.client.put("/api/globalVariables/Counter", json={"value": "7"})
    assert response.status_code == 200
    expect(page.locator('#globals tr[data-name="Counter"] input')).to_have_value("7")


def test_dashboard_needs_the_login(home: Dashboard) -> None:
    with httpx.Client(base_url=home.url, timeout=5) as anonymous:
        for path in ("/", "/assets/app.js"):
            response = anonymous.get(path)
            assert response.status_code == 401
            assert response.headers["www-authenticate"].startswith("Basic")
            assert response.json()["type"] == "ERROR"
        response = anonymous.post(f"/ui/eval/{HALL}", json={"code": "return 1"})
        assert response.status_code == 401
        bad = anonymous.get("/", auth=("admin", "wrong"))
        assert bad.status_code == 401
    assert home.client.get("/").status_code == 200
    assert home.client.get("/assets/app.js").headers["content-type"].startswith("text/javascript")


def test_console_refuses_bad_requests(home: Dashboard) -> None:
    assert home.client.post("/ui/eval/99999", json={"code": "return 1"}).status_code == 404
    assert home.client.post(f"/ui/eval/{HALL}", json={}).status_code == 400
    cross = home.client.post(f"/ui/eval/{HALL}", json={"code": "return 1"},
                             headers={"Origin": "http://evil.example"})  # fmt: skip
    assert cross.status_code == 403
    child = home.client.post("/ui/eval/5006", json={"code": "return quickApp.id"}).json()
    assert child == {"ok": True, "values": [GARDEN], "text": str(GARDEN)}  # the parent's worker


def test_restart_gives_that_quickapp_a_new_pid_and_no_other(home: Dashboard, page_for: Any) -> None:
    page = page_for(home)
    before = home.wait_running()
    row(page, HALL).locator("button[data-action=restart]").click()
    after = wait_for(
        lambda: (w := home.wait_running()) and w[HALL]["pid"] != before[HALL]["pid"] and w,
        10,
        "a new pid for the hall switch",
    )
    for worker_id, info in before.items():
        if worker_id != HALL:
            assert after[worker_id]["pid"] == info["pid"], worker_id
    assert after[HALL]["restarts"] >= before[HALL]["restarts"]
    expect(row(page, HALL).locator(".state")).to_have_text("RUNNING")


def test_stop_shows_stopped_and_start_shows_running(home: Dashboard, page_for: Any) -> None:
    page = page_for(home)
    state = row(page, PORCH).locator(".state")
    expect(state).to_have_text("RUNNING")
    row(page, PORCH).locator("button[data-action=stop]").click()
    expect(state).to_have_text("STOPPED", timeout=5000)
    expect(row(page, PORCH).locator("button[data-action=start]")).to_be_enabled()
    assert home.workers()[PORCH]["state"] == "stopped"
    page.wait_for_timeout(1200)  # a worker sample: CPU and memory filled in
    page.screenshot(path=str(DOCS / "dashboard-devices.png"), full_page=True)  # one stopped
    row(page, PORCH).locator("button[data-action=start]").click()
    expect(state).to_have_text("RUNNING", timeout=10000)
    assert home.workers()[PORCH]["state"] == "running"


def test_screenshots_exist() -> None:
    for name in ("dashboard-devices.png", "dashboard-device.png"):
        path: Path = DOCS / name
        assert path.exists() and path.stat().st_size > 10_000, name


def test_the_websocket_needs_the_login_or_the_session_cookie(home: Dashboard) -> None:
    import json

    import trio
    from trio_websocket import ConnectionRejected, open_websocket_url

    url = home.url.replace("http://", "ws://") + "/ws"
    basic = ("Authorization", "Basic YWRtaW46YWRtaW4=")
    cookie = home.client.get("/").cookies["plua2_session"]

    async def first_message(headers: list[tuple[str, str]]) -> Any:
        async with open_websocket_url(url, extra_headers=headers) as ws:
            return json.loads(await ws.get_message())

    async def refused(headers: list[tuple[str, str]]) -> int:
        try:
            await first_message(headers)
        except ConnectionRejected as rejected:
            return int(rejected.status_code)
        raise AssertionError(f"accepted with {headers}")

    async def main() -> None:
        with trio.fail_after(10):
            assert (await first_message([basic]))["t"] == "snapshot"
            assert (await first_message([("Cookie", f"plua2_session={cookie}")]))["t"] == "snapshot"
            assert await refused([]) == 401
            assert await refused([("Cookie", "plua2_session=guess")]) == 401
            assert await refused([basic, ("Origin", "http://evil.example")]) == 403

    trio.run(main)
