"""Isolation under a real `plua2 up`: a spinning QuickApp, one over its memory cap and one calling
os.exit do not disturb another QuickApp's 100 ms interval, the REST API, or plua2 itself."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from up_helpers import wait_for, write_project

PROJECT = {
    "a_spin.lua": """--%%name=Spinner
--%%budget=60
function QuickApp:onInit()
  setTimeout(function() while true do end end, 50)
end
""",
    "b_tick.lua": """--%%name=Ticker
local n = 0
function QuickApp:onInit()
  setInterval(function()
    n = n + 1
    self:updateProperty("value", n)
  end, 100)
end
""",
    "c_hog.lua": """--%%name=Memory hog
--%%maxMemory=8
function QuickApp:onInit()
  setTimeout(function()
    local t = {}
    for i = 1, 1e8 do t[i] = ("x"):rep(64) .. i end
  end, 100)
end
""",
    "d_exit.lua": """--%%name=Exiter
function QuickApp:onInit()
  setTimeout(function() os.exit(3) end, 100)
end
""",
}


def test_spinner_memory_hog_and_exit_affect_no_other(qa_server: Any, tmp_path: Path) -> None:
    server = qa_server(write_project(tmp_path / "home", PROJECT))
    server.wait_running([5000, 5001, 5002])
    time.sleep(0.5)  # the spinner is spinning, the hog is allocating

    start_value = server.prop(5001, "value")
    started = time.monotonic()
    slowest = 0.0
    while time.monotonic() - started < 3.0:
        t0 = time.monotonic()
        server.get("/api/devices/5001")
        slowest = max(slowest, time.monotonic() - t0)
        time.sleep(0.02)
    elapsed = time.monotonic() - started
    ticks = server.prop(5001, "value") - start_value
    expected = elapsed / 0.1
    assert ticks >= 0.9 * expected, f"{ticks} ticks in {elapsed:.2f} s"
    assert slowest < 0.1, f"slowest GET took {slowest * 1000:.0f} ms"

    workers = server.workers()
    assert workers[5000]["state"] == "running"  # still spinning: its budget is 60 s
    assert workers[5000]["cpu_percent"] is None or workers[5000]["cpu_percent"] > 20
    hog_errors = [
        m for m in server.console() if m["tag"] == "QUICKAPP5002" and m["type"] == "error"
    ]
    assert any("not enough memory" in m["message"] for m in hog_errors)
    assert workers[5002]["state"] == "running" and workers[5002]["restarts"] == 0
    wait_for(lambda: server.workers()[5003]["restarts"] >= 1, 5, "the exiting QuickApp restarted")
    assert server.get("/plua/health")["status"] == "ok"
    assert server.get("/plua/health")["ready"] is True
    assert server.up.proc.poll() is None


def test_workers_outlive_the_thread_that_spawned_them(qa_server: Any, tmp_path: Path) -> None:
    """Regression: PDEATHSIG is per thread; trio's Popen thread idles out after 10 s."""
    server = qa_server(write_project(tmp_path / "home", {"a.lua": "--%%name=Long\n"}))
    pid = server.wait_running([5000])[5000]["pid"]
    time.sleep(11)
    info = server.workers()[5000]
    assert (info["state"], info["pid"], info["restarts"]) == ("running", pid, 0)
