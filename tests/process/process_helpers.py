"""Helpers for the real-process tests: spawners that misbehave on purpose, a recording listener."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import trio
from plua2.shared.messages import Error, Log, Request
from plua2.supervisor.spawn_exec import ExecProcess

FIXTURES = Path(__file__).parent.parent / "fixtures"


class FakeWorkerSpawner:
    """Spawns tests/fixtures/fake_worker.py in a MODE (a worker that misbehaves on purpose)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    async def spawn(self, worker_id: int, generation: int) -> ExecProcess:
        process = await trio.lowlevel.open_process(
            [sys.executable, str(FIXTURES / "fake_worker.py"), self.mode, str(generation)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        return ExecProcess(process)

    async def aclose(self) -> None:
        return None


class RoutingSpawner:
    """Sends each worker id to its own spawner (the default one for the rest)."""

    def __init__(self, default: Any, **by_id: Any) -> None:
        self.default = default
        self.by_id = {int(k.lstrip("w")): v for k, v in by_id.items()}

    async def spawn(self, worker_id: int, generation: int) -> Any:
        spawner = self.by_id.get(worker_id, self.default)
        return await spawner.spawn(worker_id, generation)

    async def aclose(self) -> None:
        return None


class Recorder:
    """A WorkerListener that keeps everything it hears."""

    def __init__(self) -> None:
        self.logs: list[tuple[int, Log]] = []
        self.errors: list[tuple[int, Error]] = []
        self.stderr: list[tuple[int, str]] = []

    def on_log(self, worker_id: int, log: Log) -> None:
        self.logs.append((worker_id, log))

    def on_stderr(self, worker_id: int, line: str) -> None:
        self.stderr.append((worker_id, line))

    def on_error(self, worker_id: int, error: Error) -> None:
        self.errors.append((worker_id, error))

    def on_state(self, worker_id: int, old: Any, new: Any, info: Any) -> None:
        pass

    async def on_request(self, worker_id: int, request: Request) -> Any:
        raise LookupError(f"unknown method {request.method}")

    def printed(self, worker_id: int) -> list[str]:
        return [log.text for wid, log in self.logs if wid == worker_id and log.level == "print"]


async def until(predicate: Any, interval: float = 0.02) -> None:
    """Poll `predicate` until it is true (callers bound it with trio.fail_after)."""
    while not predicate():  # noqa: ASYNC110 - the state lives in another process's reports
        await trio.sleep(interval)
