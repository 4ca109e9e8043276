"""The fixtures, as a user's test suite sees them: pytest runs a small suite in a subprocess (the
plugin comes from the `pytest11` entry point), then we check its outcomes and that no process of
the emulated HC3s is left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil

GOOD = "--%%name=Lamp\n--%%id=5000\nfunction QuickApp:onInit() self:debug('lamp up') end\n"
GOOD += "function QuickApp:turnOn() self:updateProperty('value', true) end\n"
CRASHING = "--%%name=Crashing\n--%%id=5000\nfunction QuickApp:onInit() error('init boom') end\n"

SUITE = """
import json, os
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def record(hc3):
    pids = [hc3.server.pid] + [w["pid"] for w in hc3.workers() if w.get("pid")]
    with open(os.environ["PIDS_FILE"], "a") as handle:
        handle.write(json.dumps(pids) + "\\n")


def test_project_from_the_ini_option(hc3):
    record(hc3)
    hc3.action(5000, "turnOn")
    hc3.wait_for_property(5000, "value", True)


@pytest.mark.plua2(project="crashing")
def test_a_crashing_quickapp_fails_clearly(hc3):
    raise AssertionError("not reached")


def test_a_failure_shows_the_plua2_log(hc3):
    record(hc3)
    assert False, "deliberate"


@pytest.mark.plua2(project="good", budget=5)
def test_marker_options(hc3):
    record(hc3)
    assert "--budget" in hc3.server.command and "5" in hc3.server.command


def test_factory(hc3_factory):
    first = hc3_factory(HERE / "good")
    second = hc3_factory(HERE / "crashing", check=False)
    record(first)
    record(second)
    assert first.url != second.url
    assert [w["crashed"] for w in second.workers()] == [True]
"""


def test_fixtures_in_a_users_suite(tmp_path: Path) -> None:
    for name, code in (("good", GOOD), ("crashing", CRASHING)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.lua").write_text(code)
    (tmp_path / "pytest.ini").write_text("[pytest]\nplua2_project = good\n")
    (tmp_path / "test_suite.py").write_text(SUITE)
    pids_file = tmp_path / "pids.jsonl"
    env = {**os.environ, "PIDS_FILE": str(pids_file)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "test_suite.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "1 failed, 3 passed, 1 error" in out, out
    # the crashing QuickApp: a clear error at set-up, with its console error
    assert "HC3StartError: plua2 up on" in out and "not every QuickApp is running" in out
    assert "QuickApp 5000 (Crashing) is crashed:" in out and "init boom" in out
    # a failing test: the plua2 log is in its report
    assert "plua2 up log (" in out and "[quickapp 5000] lamp up" in out
    # nothing left behind: plua2 up and every worker are gone
    pids = [pid for line in pids_file.read_text().splitlines() for pid in json.loads(line)]
    assert len(pids) >= 8
    alive = [pid for pid in pids if psutil.pid_exists(pid) and _not_zombie(pid)]
    assert alive == []
    leftovers = [p.pid for p in psutil.process_iter(["cmdline"])
                 if str(tmp_path) in " ".join(p.info["cmdline"] or [])]  # fmt: skip
    assert leftovers == []


def _not_zombie(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
