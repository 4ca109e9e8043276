"""One trio task per worker: carries out what its `WorkerLifecycle` decides.

Theory of operation
-------------------
`WorkerTask.run` is the worker's one long-lived task. Inside its nursery:

- a clock loop ticks the lifecycle at `next_deadline()` (time is `trio.current_time()`, so tests run
  on `MockClock`), and wakes up early whenever an event was dispatched;
- per `Spawn` action, a task spawns the process through the `Spawner` (bounded by `start_timeout`)
  and hands it to an `Incarnation` (incarnation.py), which runs its pipes until the exit; messages
  become lifecycle events or listener calls here, and the exit becomes the `Exited` event.

Invariants:
- Every change of supervision state goes through `_dispatch`, which feeds the lifecycle and applies
  the actions it returns in order; a dispatch made while applying (a listener calling `stop()`) is
  queued, never nested.
- Everything from a worker is tagged with the incarnation it came from: a message whose generation
  is not that incarnation's is dropped (counted in `stale_messages`), and actions for a generation
  that is no longer current do nothing.
- Garbage on stdout is a `ProtocolViolated` event for this worker only (killed, then restarted).
- Nothing awaits a worker without a bound: requests have a timeout, spawns `start_timeout`, and the
  kill and reap on the way out run shielded under a deadline (incarnation.py).
- A listener exception is logged, never allowed to take the supervisor down; `on_request` runs in
  the incarnation's nursery, so a slow one never stalls the reader.
- With a `clock` (the emulated HC3 clock, hc3_clock.py): the Load carries its `clock` option, every
  Request/Response sent is announced (`frame_sending`, or `frame_dropped` when it could not be
  queued), `Idle` reports go to it, and the end of an incarnation is `worker_gone`.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import trio

from ..shared.codec import encode
from ..shared.errors import LocalProtocolError, RemoteProtocolError
from ..shared.messages import (
    PROTOCOL_VERSION,
    Error,
    Hello,
    Idle,
    Load,
    Log,
    Message,
    Ping,
    Pong,
    Ready,
    Request,
    Response,
    Shutdown,
)
from .errors import (
    RequestFailed,
    RequestTimeout,
    WaitTimeout,
    WorkerError,
    WorkerGone,
    WorkerNotRunning,
)
from .incarnation import Incarnation
from .lifecycle import WorkerLifecycle, WorkerStatus
from .policy import (
    Action,
    ErrorReported,
    EscalateStop,
    Event,
    Exited,
    HelloReceived,
    PongReceived,
    ProtocolViolated,
    ReadyReceived,
    RestartRequested,
    SendLoad,
    SendPing,
    SendShutdown,
    Signal,
    Spawn,
    Spawned,
    SpawnFailed,
    StartRequested,
    StateChanged,
    StopRequested,
    Tick,
    WorkerState,
)
from .process import Spawner
from .worker_spec import DefaultListener, WorkerListener, WorkerSpec

if TYPE_CHECKING:
    from .hc3_clock import HC3Clock

# WorkerSpec and the listener types are re-exported: the owner of a worker task needs them all.
__all__ = ["DefaultListener", "WorkerListener", "WorkerSpec", "WorkerTask"]

logger = logging.getLogger(__name__)


class _PendingRequest:
    __slots__ = ("generation", "done", "ok", "result", "error")

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.done = trio.Event()
        self.ok = False
        self.result: Any = None
        self.error: WorkerError | None = None


class WorkerTask:
    """Supervises one worker. Run `run()` in a nursery; command it with start/stop/restart."""

    def __init__(
        self,
        spec: WorkerSpec,
        spawner: Spawner,
        listener: WorkerListener | None = None,
        clock: HC3Clock | None = None,
    ) -> None:
        self.spec = spec
        self._clock = clock
        self.lifecycle = WorkerLifecycle(spec.policy)
        #: messages dropped because they carried another generation than their incarnation's
        self.stale_messages = 0
        self._spawner = spawner
        self._listener: WorkerListener = listener if listener is not None else DefaultListener()
        self._nursery: trio.Nursery | None = None
        self._deferred: list[Action] = []
        self._incarnation: Incarnation | None = None
        self._queue: deque[Event] = deque()
        self._dispatching = False
        self._wakeup = trio.Event()
        self._changed = trio.Event()
        self._pending: dict[int, _PendingRequest] = {}
        self._rids = itertools.count(1)
        self._scope = trio.CancelScope()
        self._finished = trio.Event()

    # --- reading ---------------------------------------------------------------------------------

    @property
    def id(self) -> int:
        return self.spec.id

    @property
    def state(self) -> WorkerState:
        return self.lifecycle.state

    @property
    def generation(self) -> int:
        return self.lifecycle.generation

    @property
    def pid(self) -> int | None:
        return self.lifecycle.pid

    def status(self) -> WorkerStatus:
        return self.lifecycle.status(trio.current_time())

    # --- commands --------------------------------------------------------------------------------

    def start(self) -> None:
        self._dispatch(StartRequested())

    def stop(self) -> None:
        self._dispatch(StopRequested())

    def restart(self) -> None:
        self._dispatch(RestartRequested())

    def escalate_stop(self) -> None:
        """While stopping: skip the rest of the current grace (shutdown -> TERM -> KILL)."""
        self._dispatch(EscalateStop())

    def cancel(self) -> None:
        """End `run()`: a live process is killed and reaped (bounded) on the way out."""
        self._scope.cancel()

    async def wait_finished(self) -> None:
        await self._finished.wait()

    async def wait_state(
        self,
        states: WorkerState | Iterable[WorkerState],
        timeout: float,  # noqa: ASYNC109 - the bound is part of the contract
    ) -> WorkerState:
        """Wait until the worker is in one of `states`; WaitTimeout after `timeout` seconds.

        States passed through within one event (CRASHED on the way to BACKOFF) are not seen.
        """
        wanted = {states} if isinstance(states, WorkerState) else set(states)
        names = "/".join(sorted(s.value for s in wanted))
        await self.wait_until(lambda task: task.state in wanted, timeout, f"not {names}")
        return self.state

    async def wait_until(
        self,
        predicate: Callable[[WorkerTask], bool],
        timeout: float,  # noqa: ASYNC109 - the bound is part of the contract
        what: str = "condition not met",
    ) -> None:
        """Wait until `predicate(self)` holds, checked after every state change."""
        with trio.move_on_after(timeout):
            while not predicate(self):
                await self._changed.wait()
            return
        raise WaitTimeout(self.id, f"{what} after {timeout:g} s (is {self.state.value})")

    async def request(
        self,
        method: str,
        params: Sequence[Any] = (),
        timeout: float = 10.0,  # noqa: ASYNC109 - the bound is part of the contract
    ) -> Any:
        """Call `method` in the worker and return its result (RequestFailed, RequestTimeout...)."""
        incarnation = self._running()
        rid = next(self._rids)
        frame = encode(Request(incarnation.generation, rid, method, list(params)))
        pending = _PendingRequest(incarnation.generation)
        self._pending[rid] = pending
        try:
            with trio.move_on_after(timeout):
                if not await self._send_work(incarnation, frame):
                    raise WorkerGone(self.id, f"{method}: the worker's input is closed")
                await pending.done.wait()
        finally:
            del self._pending[rid]
        if not pending.done.is_set():
            raise RequestTimeout(self.id, f"{method}: no answer within {timeout:g} s")
        if pending.error is not None:
            raise pending.error
        if not pending.ok:
            raise RequestFailed(self.id, method, str(pending.result))
        return pending.result

    def notify(self, method: str, params: Sequence[Any] = ()) -> None:
        """Send `method` to the worker without waiting for (or getting) an answer."""
        incarnation = self._running()
        frame = encode(Request(incarnation.generation, 0, method, list(params)))
        clock = self._clock
        if clock is not None:
            clock.frame_sending(self.id, incarnation.generation)
        if not incarnation.send_nowait(frame):
            if clock is not None:
                clock.frame_dropped(self.id, incarnation.generation)
            raise WorkerError(self.id, f"{method}: the worker's input queue is full or closed")

    async def _send_work(self, incarnation: Incarnation, frame: bytes) -> bool:
        """Send a Request or Response frame, announced to the clock. False: the input is closed."""
        clock = self._clock
        if clock is None:
            return await incarnation.send(frame)
        clock.frame_sending(self.id, incarnation.generation)
        sent = False
        try:
            sent = await incarnation.send(frame)
        finally:
            if not sent:
                clock.frame_dropped(self.id, incarnation.generation)
        return sent

    def _running(self) -> Incarnation:
        incarnation = self._incarnation
        if self.state is not WorkerState.RUNNING or incarnation is None:
            raise WorkerNotRunning(self.id, f"is {self.state.value}, not running")
        return incarnation

    # --- the task --------------------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        try:
            with self._scope:
                async with trio.open_nursery() as nursery:
                    self._nursery = nursery
                    deferred, self._deferred = self._deferred, []
                    self._apply(deferred)
                    task_status.started()
                    await self._clock_loop()
        finally:
            self._nursery = None
            self._finished.set()

    async def _clock_loop(self) -> None:
        while True:
            self._dispatch(Tick())
            self._wakeup = trio.Event()
            deadline = self.lifecycle.next_deadline()
            with trio.move_on_at(math.inf if deadline is None else deadline):
                await self._wakeup.wait()

    def _dispatch(self, event: Event) -> None:
        self._queue.append(event)
        if self._dispatching:
            return
        self._dispatching = True
        try:
            while self._queue:
                actions = self.lifecycle.handle(self._queue.popleft(), trio.current_time())
                self._apply(actions)
        finally:
            self._dispatching = False
        self._wakeup.set()

    def _apply(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, StateChanged):
                self._state_changed(action)
            elif isinstance(action, Spawn):
                if self._nursery is None:
                    self._deferred.append(action)
                else:
                    self._nursery.start_soon(self._incarnate, action.generation)
            elif isinstance(action, Signal):
                incarnation = self._current(action.generation)
                if incarnation is not None:
                    incarnation.signal(action.signum)
            elif isinstance(action, SendLoad):
                self._send(action.generation, self._load_message(action.generation))
            elif isinstance(action, SendPing):
                self._send(action.generation, Ping(action.generation, action.seq))
            elif isinstance(action, SendShutdown):
                self._send(action.generation, Shutdown(action.generation))
            else:
                raise TypeError(f"unknown supervision action {action!r}")

    def _load_message(self, generation: int) -> Load:
        load = self.spec.load_message(generation)
        incarnation = self._current(generation)
        if self._clock is None or incarnation is None:
            return load
        option = self._clock.worker_loading(self.id, generation, incarnation.send_nowait)
        if option is None:
            return load
        return Load(generation, load.source, load.chunkname, {**load.options, "clock": option})

    def _send(self, generation: int, message: Message) -> None:
        incarnation = self._current(generation)
        if incarnation is not None:
            # a full queue drops the frame: a worker that stopped reading will miss its pong
            incarnation.send_nowait(encode(message))

    def _current(self, generation: int) -> Incarnation | None:
        incarnation = self._incarnation
        if incarnation is not None and incarnation.generation == generation:
            return incarnation
        return None

    def _state_changed(self, change: StateChanged) -> None:
        self._changed.set()
        self._changed = trio.Event()
        lc = self.lifecycle
        info = {
            "reason": change.reason,
            "generation": lc.generation,
            "pid": lc.pid,
            "restarts": lc.restarts,
            "last_exit": lc.last_exit,
            "last_error": lc.last_error,
        }
        self._call_listener(self._listener.on_state, self.id, change.old, change.new, info)

    def _call_listener(self, method: Any, *args: Any) -> None:
        try:
            method(*args)
        except Exception:
            logger.exception("worker %s: listener %s failed", self.id, method.__name__)

    # --- one incarnation -------------------------------------------------------------------------

    async def _incarnate(self, generation: int) -> None:
        policy = self.spec.policy
        try:
            with trio.fail_after(policy.start_timeout):
                process = await self._spawner.spawn(self.id, generation)
        except trio.TooSlowError:
            self._clock_gone(generation)
            self._dispatch(SpawnFailed(generation, f"no process after {policy.start_timeout:g} s"))
            return
        except Exception as exc:  # any failure of the spawner is this worker's failed start
            self._clock_gone(generation)
            self._dispatch(SpawnFailed(generation, f"{type(exc).__name__}: {exc}"))
            return
        incarnation = Incarnation(generation, process, self)
        self._incarnation = incarnation
        try:
            status = await incarnation.supervise(
                lambda: self._dispatch(Spawned(generation, process.pid)), policy.kill_grace
            )
        finally:
            if self._incarnation is incarnation:
                self._incarnation = None
            self._fail_pending(generation)
            self._clock_gone(generation)
        self._dispatch(Exited(generation, status))

    def _clock_gone(self, generation: int) -> None:
        if self._clock is not None:
            self._clock.worker_gone(self.id, generation)

    def _fail_pending(self, generation: int) -> None:
        for pending in self._pending.values():
            if pending.generation == generation and not pending.done.is_set():
                pending.error = WorkerGone(self.id, f"generation {generation} ended")
                pending.done.set()

    # --- IncarnationEvents -----------------------------------------------------------------------

    def on_garbage(self, incarnation: Incarnation, error: RemoteProtocolError) -> None:
        self._dispatch(ProtocolViolated(incarnation.generation, str(error)))

    def on_stderr_line(self, incarnation: Incarnation, line: str) -> None:
        self._call_listener(self._listener.on_stderr, self.id, line)

    def on_message(self, incarnation: Incarnation, message: Message) -> None:
        generation = incarnation.generation
        if message.generation != generation:
            self.stale_messages += 1
        elif isinstance(message, Pong):
            self._dispatch(PongReceived(generation, message.seq))
        elif isinstance(message, Idle):
            if self._clock is not None:
                self._clock.idle(self.id, message)
        elif isinstance(message, Log):
            self._call_listener(self._listener.on_log, self.id, message)
        elif isinstance(message, Request):
            assert incarnation.nursery is not None
            incarnation.nursery.start_soon(self._answer, incarnation, message)
        elif isinstance(message, Response):
            pending = self._pending.get(message.rid)
            if pending is not None and pending.generation == generation:
                pending.ok, pending.result = message.ok, message.result
                pending.done.set()
        elif isinstance(message, Error):
            self._dispatch(ErrorReported(generation, f"{message.where}: {message.message}"))
            self._call_listener(self._listener.on_error, self.id, message)
        elif isinstance(message, Hello):
            if message.protocol != PROTOCOL_VERSION:
                reason = f"protocol {message.protocol}, expected {PROTOCOL_VERSION}"
                self._dispatch(ProtocolViolated(generation, reason))
            else:
                self._dispatch(HelloReceived(generation))
        elif isinstance(message, Ready):
            self._dispatch(ReadyReceived(generation))
        else:
            self._dispatch(ProtocolViolated(generation, f"{message.kind} sent by a worker"))

    async def _answer(self, incarnation: Incarnation, request: Request) -> None:
        try:
            result = await self._listener.on_request(self.id, request)
        except Exception as exc:
            ok, result = False, str(exc) or type(exc).__name__
        else:
            ok = True
        if request.rid == 0:
            if not ok:
                logger.info(
                    "worker %s: notification %s failed: %s", self.id, request.method, result
                )
            return
        generation = incarnation.generation
        try:
            frame = encode(Response(generation, request.rid, ok, result))
        except LocalProtocolError as exc:
            frame = encode(Response(generation, request.rid, False, f"unencodable result: {exc}"))
        await self._send_work(incarnation, frame)  # False: the worker is gone, nobody to answer
