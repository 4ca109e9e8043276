"""The worker's end of the supervisor channel: frames over two file descriptors.

Theory of operation
-------------------
`fd_in` carries frames from the supervisor, `fd_out` frames to it. One `FrameDecoder` decodes
everything read from `fd_in`, whether the trio reader task (`serve_reader`) or a synchronous
blocking wait (`call`, `sleep`) did the reading.

Invariants:
- Writes are synchronous and in order (`send` loops on os.write, waiting with select on EAGAIN);
  there is no writer task, so a message is on the wire when `send` returns.
- A Ping is answered the moment it is decoded, also while Lua is blocked in `call`/`sleep`.
- Every other message goes to `on_message` in arrival order (the Runtime's inbox), except the
  Response a blocking `call` is waiting for, which that call takes.
- A Shutdown, EOF or a protocol error seen during a blocking wait ends the wait with `HostStopped`;
  the reader task reports them through `on_stop(exit_code)`.
- A `Clock` goes to `on_clock` the moment it is decoded (also during a blocking wait), so a
  `fibaro.sleep` on a frozen clock ends when the supervisor moves time past it.
- `seen` counts the Requests, Responses and Clocks of this generation received: the supervisor's
  count of the same frames tells it whether an `Idle` report is still current
  (supervisor/time_policy.py). Timeouts of blocking calls are real time; `sleep` is on `clock`.
"""

from __future__ import annotations

import errno
import os
import select
import sys
import time
from collections.abc import Callable
from typing import Any

import trio

from ..shared.codec import FrameDecoder, encode
from ..shared.errors import RemoteProtocolError
from ..shared.messages import Clock as ClockMessage
from ..shared.messages import Idle, Message, Ping, Pong, Request, Response, Shutdown
from .clock import Clock, MonotonicClock
from .runtime import HostStopped

__all__ = ["Channel", "EXIT_PROTOCOL_ERROR"]

EXIT_PROTOCOL_ERROR = 3
_READ_SIZE = 256 * 1024


class Channel:
    def __init__(
        self, fd_in: int, fd_out: int, generation: int, clock: Clock | None = None
    ) -> None:
        self.fd_in = fd_in
        self.fd_out = fd_out
        self.generation = generation
        self.clock: Clock = clock or MonotonicClock()
        self.decoder = FrameDecoder()
        #: where decoded messages go (set to Runtime.deliver once the runtime exists)
        self.on_message: Callable[[Message], None] = self._hold
        #: the channel ended: (exit code) -- set by the owner
        self.on_stop: Callable[[int], None] = lambda code: None
        #: a Clock message arrived (set to Runtime.apply_clock once the runtime exists)
        self.on_clock: Callable[[ClockMessage], None] = self._hold
        #: Requests, Responses and Clocks of this generation received (see the docstring)
        self.seen = 0
        self._last_idle: tuple[int, float, float | None] | None = None
        self.held: list[Message] = []
        self.closed: HostStopped | None = None
        self._next_rid = 1
        self._waiting_rid = 0
        self._answer: Response | None = None
        self._shutdown_seen = False
        os.set_blocking(fd_in, False)

    # ------------------------------------------------------------------ out

    def send(self, message: Message) -> None:
        data = memoryview(encode(message))
        while data:
            try:
                written = os.write(self.fd_out, data)
            except BlockingIOError:
                select.select([], [self.fd_out], [])
                continue
            except (BrokenPipeError, ConnectionResetError):
                raise HostStopped(0, "the supervisor closed the channel") from None
            data = data[written:]

    # ------------------------------------------------------------------ in

    def _hold(self, message: Message) -> None:
        self.held.append(message)

    def read_available(self) -> bool:
        """Read what fd_in has now and dispatch it. False once the channel is closed."""
        if self.closed is not None:
            return False
        try:
            data = os.read(self.fd_in, _READ_SIZE)
        except BlockingIOError:
            return True
        except OSError as exc:
            if exc.errno == errno.EINTR:
                return True
            self._close(0, f"channel read failed: {exc}")
            return False
        try:
            if not data:
                self.decoder.feed_eof()
                self._close(0, "the supervisor closed the channel")
                return False
            self.decoder.feed(data)
        except RemoteProtocolError as exc:
            print(f"plua2 worker: protocol error on stdin: {exc}", file=sys.stderr, flush=True)
            self._close(EXIT_PROTOCOL_ERROR, f"protocol error: {exc}")
            return False
        while (message := self.decoder.next_message()) is not None:
            self._dispatch(message)
        return True

    def _close(self, code: int, reason: str) -> None:
        self.closed = HostStopped(code, reason)

    def report_idle(self, next_due: float | None) -> None:
        """Tell the supervisor (frozen clock) that nothing is to run before `next_due`; once."""
        report = (self.seen, self.clock.now(), next_due)
        if report != self._last_idle:
            self._last_idle = report
            self.send(Idle(self.generation, *report))

    def _dispatch(self, message: Message) -> None:
        if message.generation == self.generation and isinstance(
            message, Request | Response | ClockMessage
        ):
            self.seen += 1
            if isinstance(message, ClockMessage):
                self.on_clock(message)
                return
        if isinstance(message, Ping) and message.generation == self.generation:
            self.send(Pong(self.generation, message.seq))
        elif (
            isinstance(message, Response)
            and self._waiting_rid
            and message.rid == self._waiting_rid
            and message.generation == self.generation
        ):
            self._answer = message
        else:
            if isinstance(message, Shutdown) and message.generation == self.generation:
                self._shutdown_seen = True
            self.on_message(message)

    async def serve_reader(self) -> None:
        """Read fd_in until it closes; then `on_stop(exit code)`. Run in the worker's nursery."""
        while await self._readable():
            pass
        assert self.closed is not None
        self.on_stop(self.closed.exit_code)

    async def _readable(self) -> bool:
        await trio.lowlevel.wait_readable(self.fd_in)
        return self.read_available()

    async def receive(self) -> Message | None:
        """The next message not taken by `_dispatch` (used before the runtime exists)."""
        while not self.held:
            if not await self._readable():
                return None
        return self.held.pop(0)

    # ------------------------------------------------------------------ blocking waits

    def _wait(self, remaining: Callable[[], float | None], rid: int = 0) -> Response | None:
        """Block until `remaining()` (real seconds, None: no bound) is 0 or the Response `rid`
        arrives; serve pings meanwhile. `remaining` is asked again after every read."""
        self._shutdown_seen = False
        self._waiting_rid = rid
        self._answer = None
        try:
            while True:
                if self._answer is not None:
                    return self._answer
                if self.closed is not None:
                    raise self.closed
                if self._shutdown_seen:
                    raise HostStopped(0, "the worker is shutting down")
                left = remaining()
                if left is not None and left <= 0:
                    return None
                try:
                    ready, _, _ = select.select([self.fd_in], [], [], left)
                except InterruptedError:
                    continue
                if ready:
                    self.read_available()
        finally:
            self._waiting_rid = 0

    def call(self, method: str, params: list[Any], timeout: float) -> Any:
        """Request -> Response, blocking. RuntimeError(text) on ok=False, TimeoutError, HostStopped."""
        rid = self._next_rid
        self._next_rid += 1
        self.send(Request(self.generation, rid, method, params))
        deadline = time.monotonic() + timeout
        answer = self._wait(lambda: deadline - time.monotonic(), rid)
        if answer is None:
            raise TimeoutError(f"no response to {method} within {timeout:g} s")
        if not answer.ok:
            raise RuntimeError(str(answer.result))
        return answer.result

    def sleep(self, seconds: float) -> None:
        """Block for `seconds` on the worker's clock (virtual time when it is virtual)."""
        clock = self.clock
        until = clock.now() + seconds

        def remaining() -> float | None:
            if clock.now() >= until:
                return 0.0
            if clock.frozen:
                if until <= clock.horizon:
                    clock.jump_to(until)
                    return 0.0
                self.report_idle(until)
                return None
            return clock.real_delay(until)

        self._wait(remaining)
