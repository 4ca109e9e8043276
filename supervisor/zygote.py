"""`ZygoteSpawner`: workers forked from a pre-imported fork server, ready in tens of milliseconds.

Theory of operation:
- One zygote process (supervisor/zygote_server.py) per spawner, started with `start()`, talking
  JSON packets over a SOCK_SEQPACKET socket pair (its module docstring has the protocol).
- A spawn sends the worker's three pipe ends to the zygote and waits (with a deadline) for the pid.
  Spawns are serialised by a lock, so replies come back in request order.
- One reader task receives every packet: spawn replies go to the waiting spawn, exit statuses to the
  `ZygoteProcess` of that pid (or are kept until it is registered: a worker can die before its
  spawn returns).
- Signals go through a pidfd, so a recycled pid is never hit.
- If the zygote dies, every spawn from then on uses the fallback (exec) spawner; workers of the dead
  zygote die with it (PDEATHSIG) and report as killed, so their supervision restarts them.
"""

from __future__ import annotations

import array
import json
import logging
import os
import signal
import socket
import subprocess
import sys
from typing import Any

import trio

from .child_process import ChildProcess, start_child
from .process import Spawner, WorkerProcess
from .spawn_exec import ExecSpawner

__all__ = ["ZygoteProcess", "ZygoteSpawner"]

log = logging.getLogger("plua2.zygote")

_MAX_PACKET = 65536
START_TIMEOUT = 30.0
SPAWN_TIMEOUT = 10.0


class ZygoteProcess:
    """A worker forked by the zygote: not our child, so its exit status comes from the zygote."""

    def __init__(
        self,
        pid: int,
        stdin: trio.abc.SendStream,
        stdout: trio.abc.ReceiveStream,
        stderr: trio.abc.ReceiveStream,
    ) -> None:
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.returncode: int | None = None
        self._exited = trio.Event()
        try:
            self._pidfd: int | None = os.pidfd_open(pid)
        except OSError:  # already gone and reaped
            self._pidfd = None

    def set_exited(self, status: int) -> None:
        if self.returncode is None:
            self.returncode = status
        self._exited.set()

    async def wait_orphaned(self) -> None:
        """The zygote is gone: wait for the process itself to end; its status is unknown."""
        if self._pidfd is not None and self.returncode is None:
            await trio.lowlevel.wait_readable(self._pidfd)
        self.set_exited(-signal.SIGKILL)

    async def wait(self) -> int:
        await self._exited.wait()
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.returncode is not None or self._pidfd is None:
            return
        try:
            signal.pidfd_send_signal(self._pidfd, sig)
        except ProcessLookupError:
            pass

    async def aclose(self) -> None:
        with trio.CancelScope(shield=True):
            for stream in (self.stdin, self.stdout, self.stderr):
                await stream.aclose()
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None


class ZygoteSpawner:
    """A `Spawner` that forks workers from a fork server; falls back to exec if it dies."""

    def __init__(self, fallback: Spawner | None = None) -> None:
        self.fallback: Spawner = fallback or ExecSpawner()
        self._sock: trio.socket.SocketType | None = None
        self._process: ChildProcess | None = None
        self._lock = trio.Lock()
        self._replies_send, self._replies = trio.open_memory_channel[dict[str, Any]](16)
        self._running: dict[int, ZygoteProcess] = {}
        self._early_exits: dict[int, int] = {}
        self._nursery: trio.Nursery | None = None
        self.alive = False

    @classmethod
    async def start(cls, nursery: trio.Nursery, fallback: Spawner | None = None) -> ZygoteSpawner:
        """Start the zygote and wait until its imports are done. Raises OSError if it cannot."""
        self = cls(fallback)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            # from the trio thread: the zygote's parent-death signal is tied to the thread that
            # started it, and trio's cached threads end after 10 s idle (child_process.py)
            self._process = start_child(
                [
                    sys.executable,
                    "-P",  # the current folder must not shadow the installed plua2 (spawn_exec)
                    "-m",
                    "plua2.supervisor.zygote_server",
                    "--fd",
                    str(theirs.fileno()),
                    "--parent",
                    str(os.getpid()),
                ],
                stdin=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        finally:
            theirs.close()
        self._sock = trio.socket.from_stdlib_socket(ours)
        with trio.move_on_after(START_TIMEOUT):
            hello = await self._sock.recv(_MAX_PACKET)
            if hello and "ready" in json.loads(hello):
                self.alive = True
        if not self.alive:
            await self.aclose()
            raise OSError("the zygote did not start")
        self._nursery = nursery
        nursery.start_soon(self._read_packets)
        return self

    async def spawn(self, worker_id: int, generation: int) -> WorkerProcess:
        if not self.alive:
            return await self.fallback.spawn(worker_id, generation)
        async with self._lock:
            pipes = [os.pipe(), os.pipe(), os.pipe()]
            ours = [pipes[0][1], pipes[1][0], pipes[2][0]]
            theirs = [pipes[0][0], pipes[1][1], pipes[2][1]]
            try:
                assert self._sock is not None
                request = json.dumps({"spawn": generation, "id": worker_id}).encode()
                await self._sock.sendmsg(
                    [request],
                    [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", theirs).tobytes())],
                )
                with trio.fail_after(SPAWN_TIMEOUT):
                    reply = await self._replies.receive()
            except (OSError, trio.TooSlowError, trio.EndOfChannel):
                for fd in ours:
                    os.close(fd)
                self.alive = False
                return await self.fallback.spawn(worker_id, generation)
            finally:
                for fd in theirs:
                    os.close(fd)
        if "spawned" not in reply:
            for fd in ours:
                os.close(fd)
            raise OSError(f"the zygote could not fork: {reply.get('failed')}")
        pid = int(reply["spawned"])
        process = ZygoteProcess(
            pid,
            trio.lowlevel.FdStream(ours[0]),
            trio.lowlevel.FdStream(ours[1]),
            trio.lowlevel.FdStream(ours[2]),
        )
        if pid in self._early_exits:
            process.set_exited(self._early_exits.pop(pid))
        else:
            self._running[pid] = process
        return process

    async def _read_packets(self) -> None:
        assert self._sock is not None
        try:
            while True:
                data = await self._sock.recv(_MAX_PACKET)
                if not data:
                    break
                message = json.loads(data)
                if "exit" in message:
                    pid, status = int(message["exit"]), int(message["status"])
                    process = self._running.pop(pid, None)
                    if process is None:
                        self._early_exits[pid] = status
                    else:
                        process.set_exited(status)
                else:
                    await self._replies_send.send(message)
        except (OSError, ValueError, trio.ClosedResourceError):
            pass
        finally:
            self._zygote_gone()

    def _zygote_gone(self) -> None:
        if self.alive:
            log.warning("the zygote is gone; spawning workers with exec from now on")
        self.alive = False
        self._replies_send.close()
        orphans, self._running = list(self._running.values()), {}
        if self._nursery is not None:
            for process in orphans:
                self._nursery.start_soon(process.wait_orphaned)

    async def aclose(self) -> None:
        """Stop the zygote (workers should be stopped first: they die with it)."""
        self.alive = False
        if self._sock is not None:
            self._sock.close()
        if self._process is not None:
            with trio.move_on_after(2) as scope:
                scope.shield = True
                await self._process.wait()
            if self._process.returncode is None:
                self._process.kill()
                with trio.CancelScope(shield=True):
                    await self._process.wait()
