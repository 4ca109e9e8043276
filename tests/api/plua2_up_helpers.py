"""Start `plua2 up` as a real process for a test (importable: `from plua2_up_helpers import ...`).

`start_plua2(project, state_dir, *args, env=...)` starts `plua2 up PROJECT --port 0` on 127.0.0.1
as a subprocess, waits for its "serving URL" line and returns a `Plua2Up` (url, api url, pid,
stop by SIGTERM, kill by SIGKILL). The fixtures in conftest.py stop what they started by PID.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_HOME = REPO / "examples" / "home"
SPEC_DIR = REPO.parent / "shared" / "hc3-api" / "specs"
AUTH = ("admin", "admin")


def plua2_up_command() -> list[str]:
    """The command line of `plua2 up` (the installed CLI, through this interpreter)."""
    return [sys.executable, "-m", "plua2", "up"]


@dataclass
class Plua2Up:
    proc: subprocess.Popen[str]
    url: str  # http://127.0.0.1:PORT
    state_dir: Path
    output: list[str] = field(default_factory=list)

    @property
    def api(self) -> str:
        return self.url + "/api"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, timeout: float = 5.0) -> int:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(5)


def start_plua2(
    project: Path, state_dir: Path, *args: str, env: dict[str, str] | None = None
) -> Plua2Up:
    cmd = [*plua2_up_command(), str(project), "--host", "127.0.0.1", "--port", "0",
           "--state-dir", str(state_dir), *args]  # fmt: skip
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env
    )
    deadline = time.monotonic() + 20
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "serving" not in line or time.monotonic() > deadline:
        proc.kill()
        _, err = proc.communicate(timeout=5)
        raise RuntimeError(f"plua2 up did not start: {line!r} {err[-2000:]}")
    url = line.split("serving", 1)[1].strip().rstrip("/")
    return Plua2Up(proc, url, state_dir)
