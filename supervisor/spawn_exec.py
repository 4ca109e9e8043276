"""Start a worker as a fresh interpreter: `python -m plua2.worker --generation N`.

The slow but simple way (about 90 ms to ready here), and the fallback when the fork server is gone.
The worker gets its own session, so a Ctrl-C in the terminal reaches the supervisor only and the
supervisor decides how its workers stop. It is started from the trio thread (child_process.py), so
its parent-death signal fires when the supervisor dies, not when a trio worker thread idles out.
"""

from __future__ import annotations

import os
import sys

import trio

from .child_process import ChildProcess, start_child
from .process import WorkerProcess

__all__ = ["ExecSpawner", "worker_command"]


def worker_command(generation: int) -> list[str]:
    # -P: the current folder is not put on sys.path, so a folder named plua2 there (the
    # repository's own root package, when plua2 up runs from a checkout) cannot shadow the
    # installed package
    return [
        sys.executable, "-P", "-m", "plua2.worker",
        "--generation", str(generation),
        "--parent", str(os.getpid()),
    ]  # fmt: skip


class ExecProcess:
    """A `WorkerProcess` over a `ChildProcess` with pipes."""

    def __init__(self, process: ChildProcess) -> None:
        assert process.stdin and process.stdout and process.stderr
        self._process = process
        self.pid = process.pid
        self.stdin: trio.abc.SendStream = process.stdin
        self.stdout: trio.abc.ReceiveStream = process.stdout
        self.stderr: trio.abc.ReceiveStream = process.stderr

    async def wait(self) -> int:
        return await self._process.wait()

    def send_signal(self, sig: int) -> None:
        self._process.send_signal(sig)

    async def aclose(self) -> None:
        for stream in (self.stdin, self.stdout, self.stderr):
            with trio.CancelScope(shield=True):
                await stream.aclose()


class ExecSpawner:
    """A `Spawner` that execs a new interpreter for every worker."""

    async def spawn(self, worker_id: int, generation: int) -> WorkerProcess:
        await trio.lowlevel.checkpoint()
        process = start_child(
            worker_command(generation), pipes=True, start_new_session=True, close_fds=True
        )
        return ExecProcess(process)

    async def aclose(self) -> None:
        return None
