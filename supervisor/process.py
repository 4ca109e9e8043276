"""What the supervisor needs of a worker process, whichever way it was started.

A `Spawner` turns (worker id, generation) into a running `WorkerProcess`: `ExecSpawner` starts a
fresh interpreter (`python -m plua2.worker`), `ZygoteSpawner` forks one from a pre-imported fork
server. Tests replace both with fakes built on in-memory streams.

The worker's side of the pipes: stdin is the channel into it (frames), stdout the channel out of it
(frames), stderr free text that the supervisor turns into log lines. A worker exits when its stdin
closes, so it never outlives the supervisor.
"""

from __future__ import annotations

from typing import Protocol

import trio

__all__ = ["Spawner", "WorkerProcess"]


class WorkerProcess(Protocol):
    #: the OS process id
    pid: int
    #: frames to the worker (its stdin)
    stdin: trio.abc.SendStream
    #: frames from the worker (its stdout)
    stdout: trio.abc.ReceiveStream
    #: free-text output of the worker (its stderr)
    stderr: trio.abc.ReceiveStream

    async def wait(self) -> int:
        """Wait for the process to end; its status as `Popen.returncode` (-N: killed by signal N)."""
        ...

    def send_signal(self, sig: int) -> None:
        """Send a signal; nothing happens if the process has already ended."""
        ...

    async def aclose(self) -> None:
        """Close our ends of the pipes (call after `wait`)."""
        ...


class Spawner(Protocol):
    async def spawn(self, worker_id: int, generation: int) -> WorkerProcess:
        """Start a worker process for this incarnation. Raises OSError if it cannot."""
        ...

    async def aclose(self) -> None:
        """Release what the spawner holds (a fork server); running workers are not touched."""
        ...
