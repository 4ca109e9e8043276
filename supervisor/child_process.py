"""Child processes started from the trio thread itself, so their parent-death signal stays armed.

Why not `trio.lowlevel.open_process`: it runs `subprocess.Popen` in one of trio's cached worker
threads. Linux ties PR_SET_PDEATHSIG (which the zygote and every worker set, so they never outlive
the supervisor) to the parent *thread*, and trio ends an idle cached thread after 10 s: the child
was SIGKILLed ten seconds after it started (any `plua2 up` or `plua2 run` longer than that).

`start_child(command, pipes=...)` calls `subprocess.Popen` synchronously in the calling (trio)
thread, which lives as long as the supervisor; fork + exec take a few milliseconds. The result's
`wait()` sleeps on a pidfd, so nothing blocks afterwards.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

import trio

__all__ = ["ChildProcess", "start_child"]


class ChildProcess:
    """A `subprocess.Popen` with an async `wait()` (pidfd) and trio streams for its pipes."""

    def __init__(
        self,
        popen: subprocess.Popen[bytes],
        stdin: trio.lowlevel.FdStream | None = None,
        stdout: trio.lowlevel.FdStream | None = None,
        stderr: trio.lowlevel.FdStream | None = None,
    ) -> None:
        self._popen = popen
        self.pid = popen.pid
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self._pidfd: int | None = os.pidfd_open(popen.pid)

    @property
    def returncode(self) -> int | None:
        return self._popen.poll()

    async def wait(self) -> int:
        while self._popen.poll() is None:
            assert self._pidfd is not None
            await trio.lowlevel.wait_readable(self._pidfd)
        self._close_pidfd()
        return self._popen.returncode

    def send_signal(self, sig: int) -> None:
        if self._popen.poll() is None:
            try:
                self._popen.send_signal(sig)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        self.send_signal(9)

    def _close_pidfd(self) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None


def start_child(command: list[str], *, pipes: bool = False, **options: Any) -> ChildProcess:
    """Start `command` now, from this thread; with `pipes`, stdin/stdout/stderr are trio streams."""
    if not pipes:
        return ChildProcess(subprocess.Popen(command, **options))
    pairs = [os.pipe(), os.pipe(), os.pipe()]
    theirs = (pairs[0][0], pairs[1][1], pairs[2][1])
    ours = (pairs[0][1], pairs[1][0], pairs[2][0])
    try:
        popen = subprocess.Popen(
            command, stdin=theirs[0], stdout=theirs[1], stderr=theirs[2], **options
        )
    except BaseException:
        for fd in ours:
            os.close(fd)
        raise
    finally:
        for fd in theirs:
            os.close(fd)
    return ChildProcess(
        popen,
        trio.lowlevel.FdStream(ours[0]),
        trio.lowlevel.FdStream(ours[1]),
        trio.lowlevel.FdStream(ours[2]),
    )
