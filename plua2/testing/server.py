"""`start_hc3`: one `plua2 up` process for a test, started, watched and stopped by PID.

Theory of operation
-------------------
`start_hc3(project, state_dir, **options)` runs `python -m plua2 up PROJECT --host 127.0.0.1
--port 0 --state-dir STATE --log-format json` (the interpreter running the tests, so the plua2
installed next to pytest), then:

1. two daemon threads drain its stdout and stderr into `HC3Server.lines` (a chatty QuickApp can
   never block plua2 on a full pipe); stdout lines are parsed as JSON (`log_format.py`);
2. it waits for the `serving` event (the URL, port 0 resolved), then for the `ready` event (every
   QuickApp has run its main chunk and onInit once, or has stopped trying), within `timeout`;
3. with `check=True` it asks `/plua/workers`: every QuickApp must be RUNNING and not crashed, and
   no QuickApp file may have failed to install (an `error` line before `ready`); otherwise
   `HC3StartError` names each failed QuickApp with its console errors, and the process is stopped.

The process ends in `stop()`: SIGTERM, then SIGKILL by PID after `STOP_GRACE` seconds (plua2 up
itself stops its workers and its fork server; a worker also exits when its stdin closes). A process
that died early (a bad option, a port problem) is a `HC3StartError` with its output.

`connect_hc3(url)` is the same wait and check against an HC3 that is already running (the Docker
image as a CI service container): `/plua/health` must answer, then every QuickApp must be RUNNING.
There is no process and no log to show, and no stop.

`options` become command-line flags of `plua2 up`: `speed=10` is `--speed 10`, `instant=True` is
`--instant`, `run_for=None`/`False` adds nothing, a list repeats the flag.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .client import HC3, HC3StartError

__all__ = ["STOP_GRACE", "HC3Server", "connect_hc3", "options_to_args", "start_hc3"]

#: seconds between SIGTERM and SIGKILL
STOP_GRACE = 5.0


@dataclass
class HC3Server:
    """A running `plua2 up` (see the module docstring)."""

    proc: subprocess.Popen[bytes]
    project: Path
    state_dir: Path
    command: list[str]
    url: str = ""
    #: every output line: a dict for a JSON line of stdout, a str for anything else
    lines: list[dict[str, Any] | str] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _threads: list[threading.Thread] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def returncode(self) -> int | None:
        return self.proc.poll()

    def events(self, name: str) -> list[dict[str, Any]]:
        return [
            line
            for line in list(self.lines)
            if isinstance(line, dict) and line.get("event") == name
        ]

    def log_text(self, limit: int = 400) -> str:
        """The log as readable text (the last `limit` lines): `LEVEL [source deviceId] message`."""
        shown = [_render(line) for line in list(self.lines)[-limit:]]
        return "\n".join(shown)

    def wait_event(self, name: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = self.events(name)
                if found:
                    return found[0]
                if self.proc.poll() is not None and not any(t.is_alive() for t in self._threads):
                    raise HC3StartError(
                        f"plua2 up exited with status {self.proc.returncode} before {name!r}:\n"
                        f"{self.log_text()}"
                    )
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise HC3StartError(
                        f"plua2 up did not report {name!r} within {timeout} s:\n{self.log_text()}"
                    )
                self._changed.wait(min(remaining, 0.2))

    def stop(self, grace: float = STOP_GRACE) -> int:
        """SIGTERM, then SIGKILL after `grace` seconds; the exit status. Idempotent."""
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5.0)
            except ProcessLookupError:
                pass
        for thread in self._threads:
            thread.join(2.0)
        return self.proc.wait(5.0)

    def _drain(self, stream: IO[bytes], from_stdout: bool) -> None:
        for raw in stream:
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            line: dict[str, Any] | str = text
            if from_stdout and text.startswith("{"):
                try:
                    parsed = json.loads(text)
                except ValueError:
                    parsed = None
                if isinstance(parsed, dict):
                    line = parsed
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()


def _render(line: dict[str, Any] | str) -> str:
    if isinstance(line, str):
        return line
    where = str(line.get("source", ""))
    if line.get("deviceId") is not None:
        where += f" {line['deviceId']}"
    return f"{str(line.get('level', '')).upper():7} [{where}] {line.get('message', '')}"


def options_to_args(options: dict[str, Any]) -> list[str]:
    """`plua2 up` flags for keyword options (see the module docstring)."""
    args: list[str] = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, list | tuple):
            for item in value:
                args += [flag, str(item)]
        else:
            args += [flag, str(value)]
    return args


def start_hc3(
    project: str | Path,
    state_dir: str | Path,
    *,
    args: Iterable[str] = (),
    env: dict[str, str] | None = None,
    timeout: float = 30.0,
    check: bool = True,
    user: str = "admin",
    password: str = "admin",
    **options: Any,
) -> tuple[HC3Server, HC3]:
    """Start `plua2 up` on `project`; the server and a client of it. See the module docstring."""
    folder = Path(project)
    if not folder.is_dir():
        raise HC3StartError(f"plua2 project folder {folder} does not exist")
    command = [sys.executable, "-P", "-m", "plua2", "up", str(folder), "--host", "127.0.0.1",
               "--port", "0", "--state-dir", str(state_dir), "--log-format", "json",
               "--user", user, "--password", password,
               *options_to_args(options), *args]  # fmt: skip
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    full_env.pop("PLUA2_PORT", None)
    proc = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=full_env,
    )  # fmt: skip
    server = HC3Server(proc, folder, Path(state_dir), command)
    assert proc.stdout is not None and proc.stderr is not None
    for stream, from_stdout in ((proc.stdout, True), (proc.stderr, False)):
        thread = threading.Thread(target=server._drain, args=(stream, from_stdout), daemon=True)
        thread.start()
        server._threads.append(thread)
    try:
        started = time.monotonic()
        server.url = str(server.wait_event("serving", timeout).get("url", "")).rstrip("/")
        client = HC3(server.url, user, password, server=server)
        server.wait_event("ready", max(1.0, timeout - (time.monotonic() - started)))
        if check:
            _check_quickapps(server, client)
    except BaseException:
        server.stop()
        raise
    return server, client


def _check_quickapps(server: HC3Server, client: HC3) -> None:
    """Raise HC3StartError unless every QuickApp runs and every QuickApp file installed."""
    problems = [
        line["message"]
        for line in list(server.lines)
        if isinstance(line, dict)
        and line.get("source") == "supervisor"
        and line.get("level") == "error"
        and "deviceId" not in line
    ]
    failed = [w for w in client.workers() if w.get("state") != "running" or w.get("crashed")]
    if not problems and not failed:
        return
    parts = [f"plua2 up on {server.project}: not every QuickApp is running"]
    parts += [f"  {line}" for line in problems]
    for worker in failed:
        state = "crashed" if worker.get("crashed") else worker.get("state")
        parts.append(f"  QuickApp {worker.get('id')} ({worker.get('name')}) is {state}:")
        errors = [
            line
            for line in list(server.lines)
            if isinstance(line, dict)
            and line.get("deviceId") == worker.get("id")
            and line.get("level") in ("error", "warning")
        ]
        parts += [f"    {_render(line)}".replace("\n", "\n    ") for line in errors[-10:]]
    raise HC3StartError("\n".join(parts))


def connect_hc3(
    url: str, user: str = "admin", password: str = "admin", *, timeout: float = 30.0
) -> HC3:
    """A client of a running plua2 (see the module docstring), once every QuickApp runs."""
    from .client import HC3RequestError

    client = HC3(url, user, password)
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.get("/plua/health")
            workers = client.workers()
            if all(w.get("state") != "starting" for w in workers):
                break
            last: object = [(w.get("id"), w.get("state")) for w in workers]
        except HC3RequestError:
            raise
        except OSError as error:  # not listening yet
            last = error
        if time.monotonic() > deadline:
            raise HC3StartError(f"the HC3 at {url} is not ready after {timeout} s: {last}")
        time.sleep(0.2)
    failed = [w for w in workers if w.get("state") != "running" or w.get("crashed")]
    if failed:
        lines = [f"the HC3 at {url}: not every QuickApp is running"]
        for worker in failed:
            state = "crashed" if worker.get("crashed") else worker.get("state")
            lines.append(f"  QuickApp {worker.get('id')} ({worker.get('name')}) is {state}")
            for line in client.console(level="error")[-10:]:
                if line.get("deviceId") == worker.get("id"):
                    lines.append("    " + str(line.get("message")).replace("\n", "\n    "))
        raise HC3StartError("\n".join(lines))
    return client
