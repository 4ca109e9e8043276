"""One worker's supervision state machine: events in, actions out, no I/O.

Theory of operation
-------------------
`WorkerLifecycle.handle(event, now)` is the only way in. It updates the state and returns the
actions the I/O layer must carry out, in order. `next_deadline()` says when a `Tick` is next needed;
ticking early or twice is harmless (a tick only fires deadlines that are due).

Invariants (checked by tests/supervisor/test_supervision_lifecycle.py):
- At most one process per worker: a `Spawn` is only issued when no process of the worker is alive
  or being spawned (`_alive` and `_spawning` are both false).
- Generations strictly increase, one per `Spawn`. An event whose generation is not the current one
  is stale and changes nothing; so does an event of the current generation that no longer applies
  (a pong after the exit, a second exit).
- A command that is illegal or meaningless in the current state (start while RUNNING, stop while
  STOPPED) changes nothing and returns no actions.
- Time only comes in as `now`; every wait has a deadline (start timeout, pong timeout, backoff end,
  each step of the stop sequence, a repeated SIGKILL until the exit is seen).
- Every state change is reported by exactly one `StateChanged` action.
- `restarts` counts automatic restarts only; an explicit start or restart resets the crash-loop
  history and the backoff, not this count.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .policy import (
    SIGKILL,
    SIGTERM,
    Action,
    ErrorReported,
    EscalateStop,
    Event,
    Exited,
    HelloReceived,
    PongReceived,
    ProtocolViolated,
    ReadyReceived,
    RestartPolicy,
    RestartRequested,
    RestartType,
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
    describe_status,
)

__all__ = ["WorkerLifecycle", "WorkerStatus"]

S = WorkerState


class _StopStep(enum.Enum):
    NONE = 0
    AWAIT_SPAWN = 1  # stop asked while the process is being spawned
    SHUTDOWN = 2  # shutdown message sent
    TERM = 3  # SIGTERM sent
    KILL = 4  # SIGKILL sent (repeated every kill_grace until the exit)


@dataclass(frozen=True, slots=True)
class WorkerStatus:
    """A snapshot of one worker's supervision state."""

    state: WorkerState
    generation: int
    pid: int | None
    restarts: int
    consecutive_crashes: int
    last_exit: int | None
    last_error: str | None
    #: seconds since `ready`, only while RUNNING
    uptime: float | None
    #: when the pending timer fires (backoff end, stop step ...), or None
    deadline: float | None


class WorkerLifecycle:
    """The supervision state machine of one worker (see the module docstring)."""

    def __init__(self, policy: RestartPolicy | None = None) -> None:
        self.policy = policy if policy is not None else RestartPolicy()
        self.state = S.STOPPED
        self.generation = 0
        self.pid: int | None = None
        self.restarts = 0
        self.consecutive_crashes = 0
        self.last_exit: int | None = None
        self.last_error: str | None = None
        self.started_at: float | None = None  # Spawn of the current generation
        self.ready_at: float | None = None  # `ready` of the current generation
        self._restart_times: deque[float] = deque()
        self._alive = False  # a process of `generation` exists and its exit is not seen yet
        self._spawning = False  # Spawn issued; Spawned / SpawnFailed not seen yet
        self._hello = False
        self._step = _StopStep.NONE
        self._then_start = False  # restart: start again once the stop completes
        self._kill_on_spawn = False
        self._deadline: float | None = None  # BACKOFF end, stop step, repeated SIGKILL
        self._next_ping_at = 0.0
        self._ping_seq = 0
        self._ping_outstanding: int | None = None
        self._ping_sent_at = 0.0
        self._handlers: dict[type[Event], Callable[[Any, float, list[Action]], None]] = {
            StartRequested: self._on_start,
            StopRequested: self._on_stop,
            RestartRequested: self._on_restart,
            EscalateStop: self._on_escalate,
            Tick: self._on_tick,
            Spawned: self._on_spawned,
            SpawnFailed: self._on_spawn_failed,
            HelloReceived: self._on_hello,
            ReadyReceived: self._on_ready,
            PongReceived: self._on_pong,
            ErrorReported: self._on_error_reported,
            ProtocolViolated: self._on_protocol_violated,
            Exited: self._on_exited,
        }

    # --- public ------------------------------------------------------------------------------

    def handle(self, event: Event, now: float) -> list[Action]:
        """Apply one event at time `now`; the actions to carry out, in order."""
        handler = self._handlers.get(type(event))
        if handler is None:
            raise TypeError(f"not a supervision event: {event!r}")
        generation = getattr(event, "generation", None)
        if generation is not None and generation != self.generation:
            return []  # stale: from an earlier incarnation
        out: list[Action] = []
        handler(event, now, out)
        return out

    def tick(self, now: float) -> list[Action]:
        return self.handle(Tick(), now)

    def next_deadline(self) -> float | None:
        """When `tick` is next needed, or None if no timer is pending."""
        if self.state is S.STARTING:
            if self._alive and self.started_at is not None:
                return self.started_at + self.policy.start_timeout
            return None
        if self.state is S.RUNNING:
            if self._ping_outstanding is not None:
                return self._ping_sent_at + self.policy.pong_timeout
            return self._next_ping_at
        if self.state in (S.BACKOFF, S.STOPPING, S.HUNG, S.CRASHED):
            return self._deadline
        return None

    def uptime(self, now: float) -> float | None:
        if self.state is S.RUNNING and self.ready_at is not None:
            return now - self.ready_at
        return None

    def status(self, now: float) -> WorkerStatus:
        return WorkerStatus(
            state=self.state,
            generation=self.generation,
            pid=self.pid,
            restarts=self.restarts,
            consecutive_crashes=self.consecutive_crashes,
            last_exit=self.last_exit,
            last_error=self.last_error,
            uptime=self.uptime(now),
            deadline=self.next_deadline(),
        )

    @property
    def process_alive(self) -> bool:
        """A process of the current generation exists (or is being spawned)."""
        return self._alive or self._spawning

    # --- commands ----------------------------------------------------------------------------

    def _on_start(self, ev: StartRequested, now: float, out: list[Action]) -> None:
        if self.state in (S.STOPPED, S.FATAL, S.BACKOFF):
            self._reset_history()
            self._spawn(now, out, "start requested")

    def _on_stop(self, ev: StopRequested, now: float, out: list[Action]) -> None:
        if self.state in (S.STARTING, S.RUNNING):
            self._begin_stop(now, out)
        elif self.state is S.BACKOFF:
            self._deadline = None
            self._set(S.STOPPED, "stop requested", out)
        elif self.state in (S.HUNG, S.CRASHED):
            # the kill is under way: let it finish, then stay stopped
            self._set(S.STOPPING, "stop requested", out)
        elif self.state is S.STOPPING:
            self._then_start = False  # a stop cancels a pending restart

    def _on_restart(self, ev: RestartRequested, now: float, out: list[Action]) -> None:
        if self.state in (S.STOPPED, S.FATAL, S.BACKOFF):
            self._on_start(StartRequested(), now, out)
            return
        if self.state in (S.STARTING, S.RUNNING):
            self._begin_stop(now, out)
        elif self.state in (S.HUNG, S.CRASHED):
            self._set(S.STOPPING, "restart requested", out)
        self._then_start = True

    def _on_escalate(self, ev: EscalateStop, now: float, out: list[Action]) -> None:
        if self.state is S.STOPPING:
            self._next_stop_step(now, out)

    # --- time --------------------------------------------------------------------------------

    def _on_tick(self, ev: Tick, now: float, out: list[Action]) -> None:
        p = self.policy
        state = self.state
        if state is S.STARTING:
            if self._alive and self.started_at is not None:
                if now >= self.started_at + p.start_timeout:
                    self.last_error = f"not ready within {p.start_timeout:g} s"
                    self._set(S.HUNG, self.last_error, out)
                    self._kill(now, out)
        elif state is S.RUNNING:
            if self._ping_outstanding is not None:
                if now >= self._ping_sent_at + p.pong_timeout:
                    self.last_error = f"no pong within {p.pong_timeout:g} s"
                    self._set(S.HUNG, self.last_error, out)
                    self._kill(now, out)
            elif now >= self._next_ping_at:
                self._ping_seq += 1
                self._ping_outstanding = self._ping_seq
                self._ping_sent_at = now
                out.append(SendPing(self.generation, self._ping_seq))
        elif state is S.BACKOFF:
            if self._deadline is not None and now >= self._deadline:
                self._spawn(now, out, "backoff over")
        elif state is S.STOPPING:
            if self._deadline is not None and now >= self._deadline:
                self._next_stop_step(now, out)
        elif state in (S.HUNG, S.CRASHED):
            if self._deadline is not None and now >= self._deadline:
                self._kill(now, out)  # still not reaped: SIGKILL again

    # --- the process -------------------------------------------------------------------------

    def _on_spawned(self, ev: Spawned, now: float, out: list[Action]) -> None:
        if not self._spawning:
            return
        self._spawning = False
        self._alive = True
        self.pid = ev.pid
        if self.state is S.STOPPING:  # stop asked while spawning
            self._step = _StopStep.NONE
            if self._kill_on_spawn:
                self._kill(now, out)
            else:
                self._next_stop_step(now, out)

    def _on_spawn_failed(self, ev: SpawnFailed, now: float, out: list[Action]) -> None:
        if not self._spawning:
            return
        self._spawning = False
        self.last_error = f"spawn failed: {ev.reason}"
        if self.state is S.STOPPING:
            self._finish_stop(now, out)
        else:
            self._after_end(now, out, abnormal=True, reason=self.last_error)

    def _on_hello(self, ev: HelloReceived, now: float, out: list[Action]) -> None:
        if not self._alive:
            return
        if self.state is S.STARTING and not self._hello:
            self._hello = True
            out.append(SendLoad(self.generation))
        elif self.state in (S.STARTING, S.RUNNING):
            self._violation(now, out, "unexpected hello")

    def _on_ready(self, ev: ReadyReceived, now: float, out: list[Action]) -> None:
        if not self._alive:
            return
        if self.state is S.STARTING and self._hello:
            self.ready_at = now
            self._ping_outstanding = None
            self._next_ping_at = now + self.policy.ping_interval
            self._set(S.RUNNING, "ready", out)
        elif self.state is S.STARTING:
            self._violation(now, out, "ready before hello")
        elif self.state is S.RUNNING:
            self._violation(now, out, "unexpected ready")

    def _on_pong(self, ev: PongReceived, now: float, out: list[Action]) -> None:
        if self.state is S.RUNNING and self._alive and ev.seq == self._ping_outstanding:
            self._ping_outstanding = None
            self._next_ping_at = self._ping_sent_at + self.policy.ping_interval

    def _on_error_reported(self, ev: ErrorReported, now: float, out: list[Action]) -> None:
        self.last_error = ev.text

    def _on_protocol_violated(self, ev: ProtocolViolated, now: float, out: list[Action]) -> None:
        if self._alive:
            self._violation(now, out, ev.reason)

    def _on_exited(self, ev: Exited, now: float, out: list[Action]) -> None:
        if not self._alive:
            return
        self._alive = False
        self.pid = None
        self.last_exit = ev.status
        state = self.state
        if state is S.STOPPING:
            self._finish_stop(now, out)
        elif state in (S.HUNG, S.CRASHED):
            self._after_end(now, out, abnormal=True, reason=self.last_error or "killed")
        elif state is S.STARTING:
            reason = f"{describe_status(ev.status)} before ready"
            self._after_end(now, out, abnormal=True, reason=reason)
        elif state is S.RUNNING:
            abnormal = ev.status != 0
            self._after_end(now, out, abnormal=abnormal, reason=describe_status(ev.status))

    # --- steps -------------------------------------------------------------------------------

    def _set(self, new: WorkerState, reason: str, out: list[Action]) -> None:
        if new is not self.state:
            out.append(StateChanged(self.state, new, reason))
            self.state = new

    def _reset_history(self) -> None:
        self._restart_times.clear()
        self.consecutive_crashes = 0

    def _spawn(self, now: float, out: list[Action], reason: str) -> None:
        assert not self._alive and not self._spawning, "one process per worker"
        self.generation += 1
        self._spawning = True
        self._hello = False
        self._step = _StopStep.NONE
        self._then_start = False
        self._kill_on_spawn = False
        self._deadline = None
        self._ping_outstanding = None
        self.pid = None
        self.started_at = now
        self.ready_at = None
        self._set(S.STARTING, reason, out)
        out.append(Spawn(self.generation))

    def _kill(self, now: float, out: list[Action]) -> None:
        self._step = _StopStep.KILL
        self._deadline = now + self.policy.kill_grace
        out.append(Signal(self.generation, SIGKILL))

    def _violation(self, now: float, out: list[Action], reason: str) -> None:
        """The worker broke the protocol: kill it (restarted once its exit is seen)."""
        if self.state in (S.STARTING, S.RUNNING):
            self.last_error = f"protocol error: {reason}"
            self._set(S.CRASHED, self.last_error, out)
            self._kill(now, out)
        elif self.state is S.STOPPING and self._step is not _StopStep.KILL:
            self._kill(now, out)

    def _begin_stop(self, now: float, out: list[Action]) -> None:
        self._set(S.STOPPING, "stop requested", out)
        self._step = _StopStep.AWAIT_SPAWN if self._spawning else _StopStep.NONE
        self._deadline = None
        if not self._spawning:
            self._next_stop_step(now, out)

    def _next_stop_step(self, now: float, out: list[Action]) -> None:
        p = self.policy
        step = self._step
        if step is _StopStep.AWAIT_SPAWN:
            self._kill_on_spawn = True  # nothing to signal yet
        elif step is _StopStep.NONE:
            self._step = _StopStep.SHUTDOWN
            self._deadline = now + p.shutdown_grace
            out.append(SendShutdown(self.generation))
        elif step is _StopStep.SHUTDOWN:
            self._step = _StopStep.TERM
            self._deadline = now + p.kill_grace
            out.append(Signal(self.generation, SIGTERM))
        else:  # TERM or KILL
            self._kill(now, out)

    def _finish_stop(self, now: float, out: list[Action]) -> None:
        self._step = _StopStep.NONE
        self._deadline = None
        self.ready_at = None
        if self._then_start:
            self._reset_history()
            self._spawn(now, out, "restart requested")
        else:
            self._set(S.STOPPED, "stopped", out)

    def _after_end(self, now: float, out: list[Action], *, abnormal: bool, reason: str) -> None:
        """The process is gone (or never came): restart, rest, or park in FATAL."""
        p = self.policy
        self._step = _StopStep.NONE
        self._deadline = None
        ready_at, self.ready_at = self.ready_at, None
        if abnormal:
            self.last_error = reason
            self._set(S.CRASHED, reason, out)
        if p.restart is RestartType.TEMPORARY or (
            p.restart is RestartType.TRANSIENT and not abnormal
        ):
            self._set(S.STOPPED, reason if abnormal else f"{reason}: not restarted", out)
            return
        while self._restart_times and self._restart_times[0] <= now - p.restart_window:
            self._restart_times.popleft()
        if len(self._restart_times) >= p.max_restarts:
            self.last_error = (
                f"{reason}; crash loop: more than {p.max_restarts} restarts "
                f"in {p.restart_window:g} s"
            )
            self._set(S.FATAL, self.last_error, out)
            return
        if ready_at is not None and now - ready_at >= p.stable_after:
            self.consecutive_crashes = 0
        delay = p.backoff_delay(self.consecutive_crashes)
        self.consecutive_crashes += 1
        self._restart_times.append(now)
        self.restarts += 1
        self._deadline = now + delay
        self._set(S.BACKOFF, f"restart in {delay:g} s", out)
