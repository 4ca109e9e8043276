"""The emulated HC3 clock end to end: `plua2 up --instant/--start`, POST /plua/time, os.date.

Each test starts `plua2 up` on a temporary project (127.0.0.1, a free port) and stops it by PID.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from plua2.shared.virtual_time import parse_wall_time
from up_helpers import QAServer, wait_for, write_project

DAILY = """--%%name=Daily
--%%type=com.fibaro.binarySwitch
local function seconds_to_next_7()
  local t = os.date("*t")
  local target = os.time{year=t.year, month=t.month, day=t.day, hour=7, min=0, sec=0}
  if target <= os.time() then target = target + 24 * 3600 end
  return target - os.time()
end
function QuickApp:onInit()
  local days = {}
  local function morning()
    days[#days + 1] = os.date("%Y-%m-%d %H:%M:%S")
    self:debug("morning " .. days[#days])
    self:updateProperty("days", table.concat(days, ","))
    if #days < 7 then setTimeout(morning, seconds_to_next_7() * 1000) end
  end
  setTimeout(morning, seconds_to_next_7() * 1000)
end
"""


def _ids(server: QAServer) -> dict[str, int]:
    devices = server.get("/api/devices", params={"interface": "quickApp"})
    return {d["name"]: d["id"] for d in devices}


def _wait_ids(server: QAServer, names: set[str]) -> dict[str, int]:
    def found() -> dict[str, int] | None:
        ids = _ids(server)
        return ids if names <= ids.keys() else None

    return wait_for(found, 20, f"QuickApps {names}")  # type: ignore[no-any-return]


def test_a_daily_schedule_runs_a_simulated_week_in_seconds(tmp_path: Path, qa_server: Any) -> None:
    project = write_project(tmp_path / "p", {"daily.lua": DAILY})
    started = time.monotonic()
    server = qa_server(project, None, "--instant", "--start", "2027-01-04 00:00")
    qa = _wait_ids(server, {"Daily"})["Daily"]
    expected = [f"2027-01-{d:02d} 07:00:00" for d in range(4, 11)]
    server.wait_prop(qa, "days", ",".join(expected), timeout=20)
    assert time.monotonic() - started < 20
    texts = [m["message"] for m in reversed(server.console()) if m["message"].startswith("morning")]
    assert texts == [f"morning {d}" for d in expected]
    # nothing left to run: the clock rests at the last timer
    now = server.get("/plua/time")
    assert now["instant"] is True and now["date"] == "2027-01-10 07:00:00"
    info = server.get("/api/settings/info")
    assert info["timestamp"] == int(parse_wall_time("2027-01-10 07:00"))
    assert info["date"] == "07:00 | 10.01.2027"


TWIN = """--%%name={name}
--%%type=com.fibaro.binarySwitch
function QuickApp:onInit()
  local t = os.date("*t")
  local noon = os.time{{year=t.year, month=t.month, day=t.day, hour=12, min=0, sec=0}}
  setTimeout(function()
    self:updateProperty("noon", os.time())
    {call}
  end, (noon - os.time()) * 1000)
end
function QuickApp:stamp()
  self:updateProperty("stamped", os.time())
end
"""


def test_two_quickapps_see_the_same_time(tmp_path: Path, qa_server: Any) -> None:
    call = """for _, d in ipairs(api.get("/devices?interface=quickApp")) do
      if d.name == "Beta" then fibaro.call(d.id, "stamp") end
    end"""
    project = write_project(
        tmp_path / "p",
        {"alpha.lua": TWIN.format(name="Alpha", call=call), "beta.lua": TWIN.format(name="Beta", call="")},
    )  # fmt: skip
    server = qa_server(project, None, "--instant", "--start", "2027-03-01 08:30")
    ids = _wait_ids(server, {"Alpha", "Beta"})
    noon = int(parse_wall_time("2027-03-01 12:00"))
    for name in ("Alpha", "Beta"):
        server.wait_prop(ids[name], "noon", noon, timeout=20)
    # Beta, idle since noon, runs Alpha's call at Alpha's moment (its clock is brought along)
    server.wait_prop(ids["Beta"], "stamped", noon, timeout=20)


ORDER = """--%%name={name}
--%%type=com.fibaro.binarySwitch
function QuickApp:onInit()
  for _, minutes in ipairs({{{minutes}}}) do
    setTimeout(function() self:debug("{name} " .. minutes .. " " .. os.date("%H:%M")) end,
               minutes * 60 * 1000)
  end
end
"""


def test_post_time_advance_fires_due_timers_in_order(tmp_path: Path, qa_server: Any) -> None:
    project = write_project(
        tmp_path / "p",
        {"a.lua": ORDER.format(name="A", minutes="10, 30, 90"), "b.lua": ORDER.format(name="B", minutes="20, 25")},
    )  # fmt: skip
    server = qa_server(project, None, "--start", "2027-01-04 00:00")
    _wait_ids(server, {"A", "B"})
    server.wait_running(list(_ids(server).values()))
    response = server.client.post("/plua/time", json={"advance": 3600})
    assert response.status_code == 200, response.text
    assert response.json()["date"].startswith("2027-01-04 01:00")
    # debugMessages lists the newest first
    texts = [m["message"] for m in reversed(server.console()) if m["message"][:2] in ("A ", "B ")]
    assert texts == ["A 10 00:10", "B 20 00:20", "B 25 00:25", "A 30 00:30"]
    # time flows again from there, at real speed
    later = server.get("/plua/time")
    assert later["advancing"] is False and later["date"].startswith("2027-01-04 01:00")
    # setting the clock: a later date is an advance (the 90-minute timer runs), earlier only sets
    assert server.client.post("/plua/time", json={"time": "2027-01-04 02:00"}).status_code == 200
    wait_for(lambda: any(m["message"] == "A 90 01:30" for m in server.console()), 5, "A 90")
    back = server.client.post("/plua/time", json={"time": parse_wall_time("2026-12-24 18:00")})
    assert back.json()["date"].startswith("2026-12-24 18:00")


def test_bad_time_input_is_a_400(tmp_path: Path, qa_server: Any) -> None:
    server = qa_server(write_project(tmp_path / "p", {}), None)
    for body in ({"time": "tomorrow"}, {"advance": -1}, {}, {"advance": "x"},
                 {"time": 1, "advance": 2}, [1], {"time": True}):  # fmt: skip
        response = server.client.post("/plua/time", json=body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["type"] == "ERROR"
    assert server.get("/plua/time")["real"] is True


SLEEPER = """--%%name=Sleeper
--%%type=com.fibaro.binarySwitch
function QuickApp:onInit()
  setTimeout(function()
    self:debug("sleeps " .. os.date("%H:%M"))
    fibaro.sleep(3600 * 1000)
    self:debug("woke " .. os.date("%H:%M"))
  end, 0)
end
"""
OTHER = """--%%name=Other
--%%type=com.fibaro.binarySwitch
function QuickApp:onInit()
  setTimeout(function() self:debug("other " .. os.date("%H:%M")) end, 30 * 60 * 1000)
end
"""


def test_fibaro_sleep_on_an_instant_clock_lets_the_others_run_first(
    tmp_path: Path, qa_server: Any
) -> None:
    project = write_project(tmp_path / "p", {"sleeper.lua": SLEEPER, "other.lua": OTHER})
    server = qa_server(project, None, "--instant", "--start", "2027-01-04 00:00")

    def lines() -> list[str]:
        return [m["message"] for m in reversed(server.console())
                if m["message"].split(" ")[0] in ("sleeps", "woke", "other")]  # fmt: skip

    wait_for(lambda: len(lines()) == 3, 20, "three lines")
    assert lines() == ["sleeps 00:00", "other 00:30", "woke 01:00"]


def test_speed_makes_the_api_clock_run_faster(tmp_path: Path, qa_server: Any) -> None:
    server = qa_server(write_project(tmp_path / "p", {}), None, "--speed", "3600", "--start",
                       "2027-01-04 00:00")  # fmt: skip
    t0, first = time.monotonic(), server.get("/api/settings/info")["timestamp"]
    time.sleep(0.5)
    t1, second = time.monotonic(), server.get("/api/settings/info")["timestamp"]
    assert first >= int(parse_wall_time("2027-01-04 00:00"))
    assert abs((second - first) - (t1 - t0) * 3600) < 0.3 * 3600
    assert server.get("/plua/time")["speed"] == 3600.0
