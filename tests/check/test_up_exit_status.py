"""`plua2 up --run-for S`: exit 1 when a QuickApp failed during the run; `--log-format json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
RUN_FOR = "1"


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def up(project: Path, state: Path, *args: str, env: dict[str, str] | None = None
       ) -> subprocess.CompletedProcess[str]:  # fmt: skip
    cmd = [sys.executable, "-m", "plua2", "up", str(project), "--port", "0",
           "--state-dir", str(state), "--run-for", RUN_FOR, *args]  # fmt: skip
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    full_env.pop("PLUA2_LOG_FORMAT", None) if env is None else None
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=full_env)


def json_lines(text: str) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in text.splitlines()]
    for record in records:
        assert isinstance(record, dict)
        assert {"ts", "level", "source", "message"} <= set(record), record
        assert record["level"] in ("debug", "trace", "info", "warning", "error")
        assert record["source"] in ("supervisor", "quickapp")
        assert record["ts"].endswith("Z")
    return records


def test_a_good_run_exits_0_in_text(tmp_path: Path) -> None:
    done = up(REPO / "examples" / "ci", tmp_path / "state")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("plua2 up: serving http://127.0.0.1:")
    assert "plua2 up: run ended: no QuickApp failed (0 callback error(s))" in done.stderr


def test_callback_errors_do_not_fail_the_run_and_json_lines_parse(tmp_path: Path) -> None:
    project = write(
        tmp_path / "p",
        {
            "tick.lua": """--%%name=Ticker
function QuickApp:onInit()
  self:debug("started")
  self:trace("a trace")
  setTimeout(function() error("late boom") end, 10)
end
"""
        },
    )
    done = up(project, tmp_path / "state", env={"PLUA2_LOG_FORMAT": "json"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    records = json_lines(done.stdout)
    events = {r["event"]: r for r in records if "event" in r}
    assert events["serving"]["url"].startswith("http://127.0.0.1:")
    assert events["ready"]["quickapps"] == 1
    assert events["summary"]["failures"] == [] and events["summary"]["callbackErrors"] == 1
    console = [r for r in records if r["source"] == "quickapp"]
    assert {"level": "debug", "deviceId": 5000, "tag": "QUICKAPP5000", "message": "started"} in [
        {k: r[k] for k in ("level", "deviceId", "tag", "message")} for r in console
    ]
    assert any(r["level"] == "trace" for r in console)
    assert any(r["level"] == "error" and "late boom" in r["message"] for r in console)


def test_failed_quickapps_exit_1_with_one_line_each(tmp_path: Path) -> None:
    project = write(tmp_path / "p", {
        "a_init.lua": "--%%name=Init\nfunction QuickApp:onInit() error('init boom') end\n",
        "b_syntax.lua": "--%%name=Syntax\nfunction QuickApp:onInit() x = = 1 end\n",
        "c_header.lua": "--%%name=Header\n--%%var=x:{1,\n",
        "d_good.lua": "--%%name=Good\nfunction QuickApp:onInit() end\n",
    })  # fmt: skip
    done = up(project, tmp_path / "state", "--log-format", "json")
    assert done.returncode == 1, done.stdout + done.stderr
    records = json_lines(done.stdout)
    [summary] = [r for r in records if r.get("event") == "summary"]
    assert summary["level"] == "error"
    failures = summary["failures"]
    assert len(failures) == 3, failures
    assert any("c_header.lua:2:" in f for f in failures)
    assert any("crashed in onInit" in f and "init boom" in f for f in failures)
    assert any("does not load" in f for f in failures)


def test_a_bad_log_format_is_a_usage_error(tmp_path: Path) -> None:
    done = up(tmp_path, tmp_path / "state", "--log-format", "xml")
    assert done.returncode == 2
    assert "unknown log format 'xml'" in done.stderr
