"""SIGKILL of the supervisor leaves no worker behind: PDEATHSIG on the zygote and on each worker."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

FIXTURE = Path(__file__).parent.parent / "fixtures" / "supervise_workers.py"


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_after_sigkill_of_the_supervisor_every_worker_is_gone_within_2s() -> None:
    supervisor = subprocess.Popen(
        [sys.executable, str(FIXTURE), "8"], stdout=subprocess.PIPE, text=True
    )
    try:
        line = supervisor.stdout.readline() if supervisor.stdout else ""
        pids = json.loads(line)["pids"]
        assert len(pids) == 10 and all(alive(pid) for pid in pids)
        os.kill(pids[0], signal.SIGSTOP)  # a stopped worker must go too
        zygote = psutil.Process(pids[0]).ppid()
        supervisor.kill()
        supervisor.wait(timeout=5)
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and any(alive(pid) for pid in pids + [zygote]):
            time.sleep(0.02)
        assert [pid for pid in pids + [zygote] if alive(pid)] == []
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()


def test_a_supervisor_that_is_pid_1_keeps_its_zygote_and_workers() -> None:
    """In a container plua2 may be PID 1: "my parent is PID 1" must not read as "orphaned"."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    command = ["unshare", "--pid", "--fork", "--mount-proc", sys.executable, str(FIXTURE), "2"]
    supervisor = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        line = supervisor.stdout.readline() if supervisor.stdout else ""
        if not line:
            _, err = supervisor.communicate(timeout=5)
            if "Operation not permitted" in err:
                pytest.skip("no permission for a new PID namespace here")
            raise AssertionError(err)
        report = json.loads(line)
        assert report["zygote"] is True  # the fork server did not take PID 1 for a dead parent
        assert len(report["pids"]) == 4
    finally:
        os.killpg(supervisor.pid, signal.SIGKILL)
        supervisor.wait()
