"""One process of a worker (one generation) and its pipes, from spawn to reap.

Theory of operation
-------------------
An `Incarnation` wraps the `WorkerProcess` a spawner returned and runs, in its own nursery:
- a stdout reader that always drains the pipe through a `FrameDecoder` and hands each message to
  `IncarnationEvents.on_message`; a bad frame goes to `on_garbage` once, after the good messages
  decoded before it, and the reader keeps draining (discarding) so a dying worker never blocks on a
  full pipe. A partial frame at EOF is not reported: the exit status says more;
- a stderr reader that cuts lines (at most `MAX_STDERR_LINE` bytes, decoded with replacement) and
  hands them to `on_stderr_line`;
- one writer fed by a bounded channel of encoded frames, so frames never interleave;
- `process.wait()`, whose status `supervise()` returns once the readers have drained what the worker
  wrote last (bounded by `EOF_GRACE`).

Invariants: nothing here decides anything (that is the lifecycle's job); `supervise()` never returns
or raises without the process reaped and its pipes closed: if it is cancelled, the process is killed
and reaped under a shielded deadline, and `aclose()` always runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import trio

from ..shared.codec import FrameDecoder
from ..shared.errors import RemoteProtocolError
from ..shared.messages import Message
from .policy import SIGKILL
from .process import WorkerProcess

__all__ = ["EOF_GRACE", "MAX_STDERR_LINE", "WRITE_QUEUE", "Incarnation", "IncarnationEvents"]

#: frames queued for one worker's stdin before sends are refused
WRITE_QUEUE = 1024
#: after the exit, how long the readers may take to drain what the worker wrote last
EOF_GRACE = 0.5
#: a stderr "line" longer than this is cut
MAX_STDERR_LINE = 64 * 1024
READ_SIZE = 64 * 1024


class IncarnationEvents(Protocol):
    def on_message(self, incarnation: Incarnation, message: Message) -> None: ...

    def on_garbage(self, incarnation: Incarnation, error: RemoteProtocolError) -> None: ...

    def on_stderr_line(self, incarnation: Incarnation, line: str) -> None: ...


class Incarnation:
    def __init__(self, generation: int, process: WorkerProcess, events: IncarnationEvents) -> None:
        self.generation = generation
        self.process = process
        self._events = events
        self._frames, self._frames_out = trio.open_memory_channel[bytes](WRITE_QUEUE)
        #: the nursery of this incarnation's tasks (request handlers may join it); set by supervise
        self.nursery: trio.Nursery | None = None
        self._stdout_done = trio.Event()
        self._stderr_done = trio.Event()

    def send_nowait(self, frame: bytes) -> bool:
        """Queue a frame; False if the queue is full or the worker's input is closed."""
        try:
            self._frames.send_nowait(frame)
        except (trio.WouldBlock, trio.BrokenResourceError, trio.ClosedResourceError):
            return False
        return True

    async def send(self, frame: bytes) -> bool:
        """Queue a frame, waiting for room; False if the worker's input is closed."""
        try:
            await self._frames.send(frame)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            return False
        return True

    def signal(self, signum: int) -> None:
        try:
            self.process.send_signal(signum)
        except OSError:
            pass  # already gone: its exit is on the way

    async def supervise(self, started: Callable[[], None], kill_grace: float) -> int:
        """Run the pipes until the process ends; its status. Reaps and closes it in every case."""
        status: int | None = None
        try:
            async with trio.open_nursery() as nursery:
                self.nursery = nursery
                nursery.start_soon(self._read_frames)
                nursery.start_soon(self._read_stderr)
                nursery.start_soon(self._write_frames)
                started()
                status = await self.process.wait()
                with trio.move_on_after(EOF_GRACE):
                    await self._stdout_done.wait()
                    await self._stderr_done.wait()
                nursery.cancel_scope.cancel()
        finally:
            self._frames.close()
            with trio.CancelScope(shield=True):
                if status is None:  # cancelled, or a bug: kill and reap
                    self.signal(SIGKILL)
                    with trio.move_on_after(kill_grace):
                        await self.process.wait()
                with trio.move_on_after(kill_grace):
                    await self.process.aclose()
        assert status is not None  # else the exception that interrupted us is on its way up
        return status

    async def _read_frames(self) -> None:
        decoder = FrameDecoder()
        broken = False
        stream = self.process.stdout
        try:
            while True:
                try:
                    data = await stream.receive_some(READ_SIZE)
                except (trio.BrokenResourceError, trio.ClosedResourceError):
                    break
                if not data:
                    break
                if broken:
                    continue
                error: RemoteProtocolError | None = None
                try:
                    decoder.feed(bytes(data))
                except RemoteProtocolError as exc:
                    broken, error = True, exc
                for message in decoder.messages():
                    self._events.on_message(self, message)
                if error is not None:
                    self._events.on_garbage(self, error)
        finally:
            self._stdout_done.set()

    async def _read_stderr(self) -> None:
        buffer = bytearray()
        stream = self.process.stderr
        try:
            while True:
                try:
                    data = await stream.receive_some(READ_SIZE)
                except (trio.BrokenResourceError, trio.ClosedResourceError):
                    break
                if not data:
                    break
                buffer += data
                while (end := buffer.find(b"\n")) >= 0:
                    self._stderr_line(bytes(buffer[:end]))
                    del buffer[: end + 1]
                if len(buffer) > MAX_STDERR_LINE:
                    self._stderr_line(bytes(buffer))
                    buffer.clear()
            if buffer:
                self._stderr_line(bytes(buffer))
        finally:
            self._stderr_done.set()

    def _stderr_line(self, raw: bytes) -> None:
        line = raw.decode("utf-8", errors="replace").rstrip("\r")
        self._events.on_stderr_line(self, line)

    async def _write_frames(self) -> None:
        stream = self.process.stdin
        async with self._frames_out:
            async for frame in self._frames_out:
                try:
                    await stream.send_all(frame)
                except (trio.BrokenResourceError, trio.ClosedResourceError):
                    return  # the worker is going away; its exit is on the way
