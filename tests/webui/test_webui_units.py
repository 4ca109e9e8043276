"""The dashboard's pure parts: the hub, the feed from the home model, worker diffs, Lua values
as text, the static assets. No processes, no browser."""

from __future__ import annotations

import re
from typing import Any

import pytest
import trio
from plua2.fibaro_api.home import Home
from plua2.webui import live
from plua2.webui.assets import load_assets
from plua2.webui.feed import WorkerWatch, connect_home, device_rows, snapshot
from plua2.webui.lua_text import format_values
from plua2.webui.routes import _frame


def test_publish_without_subscribers_does_nothing() -> None:
    hub = live.Hub()
    hub.publish("log", {"id": 1})
    assert hub.subscribers == 0


async def test_every_subscriber_gets_every_item_in_order() -> None:
    hub = live.Hub()
    with hub.subscribe() as first, hub.subscribe() as second:
        for n in range(3):
            hub.publish("prop", n)
        for sub in (first, second):
            assert [await sub.receive() for _ in range(3)] == [
                ("prop", 0),
                ("prop", 1),
                ("prop", 2),
            ]
    assert hub.subscribers == 0


async def test_a_slow_subscriber_is_dropped_not_waited_for() -> None:
    hub = live.Hub(limit=2)
    with hub.subscribe() as slow, hub.subscribe() as fast:
        hub.publish("log", 1)
        assert fast.receive_nowait() == ("log", 1)
        hub.publish("log", 2)
        hub.publish("log", 3)  # the slow one is full now: dropped
        assert slow.overflowed and not fast.overflowed
        assert hub.subscribers == 1
        assert [await slow.receive(), await slow.receive()] == [("log", 1), ("log", 2)]
        with pytest.raises(trio.EndOfChannel):
            await slow.receive()


def test_module_publish_goes_to_the_supervisors_hub() -> None:
    with live.HUB.subscribe() as sub:
        live.publish("worker", {"id": 5000, "state": "running"})
        assert sub.receive_nowait() == ("worker", {"id": 5000, "state": "running"})


def _home() -> Home:
    home = Home()
    home.create_device("QA", "com.fibaro.binarySwitch", is_plugin=True, interfaces=["quickApp"])
    return home


def test_the_home_model_feeds_the_hub() -> None:
    home, hub = _home(), live.Hub()
    disconnect = connect_home(hub, home)
    with hub.subscribe() as sub:
        home.update_property(5000, "value", True)
        home.update_view(5000, "label", "text", "hi")
        home.console.add(5000, "debug", "QUICKAPP5000", "hello")
        home.variables.add_global({"name": "Mode", "value": "Home"})
        home.variables.set_global("Mode", "Away")
        home.create_device("Lamp", "com.fibaro.binarySwitch")
        items = []
        while True:
            try:
                items.append(sub.receive_nowait())
            except trio.WouldBlock:
                break
    topics = [topic for topic, _ in items]
    assert ("prop", {"id": 5000, "name": "value", "value": True}) in items
    assert ("view", {"id": 5000, "component": "label", "prop": "text", "value": "hi"}) in items
    assert ("global", {"name": "Mode", "value": "Away"}) in items
    assert topics.count("log") == 1 and "devices" in topics
    disconnect()
    with hub.subscribe() as sub:
        home.update_property(5000, "value", False)
        with pytest.raises(trio.WouldBlock):
            sub.receive_nowait()


def test_snapshot_has_what_the_page_draws() -> None:
    home = _home()
    home.update_view(5000, "label", "text", "hi")
    home.console.add(5000, "debug", "QUICKAPP5000", "hello")

    class Workers:
        def infos(self) -> list[dict[str, Any]]:
            return [{"id": 5000, "state": "running"}]

    snap = snapshot(home, Workers(), console=False)
    assert snap["console"] is False
    assert [row["id"] for row in snap["devices"]] == [5000]  # the controller is left out
    assert snap["devices"][0]["quickApp"] and not snap["devices"][0]["child"]
    assert snap["views"] == {"5000": {"label": {"text": "hi"}}}
    assert snap["logs"][-1]["message"] == "hello"
    assert snap["workers"] == [{"id": 5000, "state": "running"}]


def test_worker_watch_sends_only_what_changed() -> None:
    info = {"id": 1, "state": "running", "pid": 10, "uptime": 1.0, "cpu_percent": 0.1,
            "rss_bytes": 25_000_000}  # fmt: skip
    watch = WorkerWatch([info])
    assert watch.changes([{**info, "uptime": 2.0, "cpu_percent": 0.2}]) == []  # noise
    stopped = {**info, "state": "stopped", "pid": None}
    assert watch.changes([stopped]) == [stopped]
    assert watch.changes([stopped]) == []
    assert watch.changes([]) == [{"id": 1, "removed": True}]


def test_devices_items_in_a_batch_become_one_fresh_list() -> None:
    home = _home()
    frame = _frame([("devices", None), ("log", {"id": 1}), ("devices", None)], home)
    assert [m["t"] for m in frame] == ["log", "devices"]  # at the last one's place
    assert frame[1]["d"]["devices"] == device_rows(home)


@pytest.mark.parametrize(
    ("values", "text"),
    [
        ([2], "2"),
        ([2.0, 0.5], "2.0\t0.5"),
        (["top", None, True], "top\tnil\ttrue"),
        ([[1, "a"]], '{1, "a"}'),
        ([{1: "x", 2: "y", "k": {"n": 1}}], '{"x", "y", k = {n = 1}}'),
        ([{"two words": 1}], '{["two words"] = 1}'),
        ([], ""),
    ],
)
def test_lua_values_are_written_as_lua_shows_them(values: list[Any], text: str) -> None:
    assert format_values(values) == text


def test_assets_ship_in_the_package_and_need_no_network() -> None:
    assets = load_assets()
    assert {"index.html", "app.js", "app.css"} <= set(assets)
    for name, asset in assets.items():
        text = asset.body.decode()
        assert not re.search(r"(src|href)=\"https?:", text), name  # no CDN
        for imported in re.findall(r'from "\./([\w.]+)"', text):
            assert imported in assets, (name, imported)
    assert assets["app.js"].content_type.startswith("text/javascript")


async def test_worker_state_changes_are_published_at_once() -> None:
    from plua2.fibaro_api.api import Api
    from plua2.supervisor.policy import WorkerState
    from plua2.supervisor.quickapp_workers import QuickAppWorkers

    home = _home()
    workers = QuickAppWorkers(home, Api(home))
    with live.HUB.subscribe() as sub:
        info = {"reason": "asked", "generation": 2, "pid": None, "restarts": 1,
                "last_exit": 0, "last_error": None}  # fmt: skip
        workers.on_state(5000, WorkerState.STOPPING, WorkerState.STOPPED, info)
        topic, payload = sub.receive_nowait()
    assert topic == "worker"
    assert payload["id"] == 5000 and payload["state"] == "stopped" and payload["restarts"] == 1
