"""Supervision policy: the vocabulary of one worker's life (states, restart rules, events, actions).

Theory of operation
-------------------
This module and `lifecycle.py` are pure code, like h11's `_state.py`: no I/O, no trio, no clock.
Everything that decides *what* happens to a worker lives there; `worker_task.py` only turns pipe
bytes, process exits and the passing of time into events, and carries out the actions it gets back.

- A `WorkerLifecycle` (lifecycle.py) is fed events, each with an explicit `now: float`, and returns
  a list of actions (frozen dataclasses below). It never reads a clock: time only enters as `now`.
- Events about a process carry the generation of the incarnation they belong to. Every `Spawn`
  action has a new, strictly greater generation; an event of any other generation is stale and is
  dropped without touching the state.
- States follow DESIGN.md: ``STARTING -> RUNNING -> STOPPING -> STOPPED``; on failure
  ``[HUNG ->] CRASHED -> BACKOFF -> STARTING``, or ``FATAL`` when one worker keeps failing. HUNG and
  CRASHED last while the failed process is being killed; once its exit arrives the worker moves on.
- Restart types are Erlang's: PERMANENT always restarts, TRANSIENT only after an abnormal end (a
  non-zero status, a signal, a kill by us, or an end before `ready`), TEMPORARY never.
- Backoff is geometric (systemd/PM2): ``initial * factor ** n`` capped at `backoff_max`, where `n`
  counts consecutive crashes and goes back to 0 once an incarnation has been RUNNING for
  `stable_after` seconds. A crash loop (more than `max_restarts` restarts within `restart_window`
  seconds) parks that worker, and only that worker, in FATAL. An explicit start resets both counts.
- A worker counts as started only after `ready`. Before it, `start_timeout` applies and no
  heartbeat does (100 workers starting at once on 2 cores took ~7 s); after it, a ping goes out
  every `ping_interval` and a missing pong for `pong_timeout` (longer than the worker's 3 s
  callback budget) makes the worker HUNG: it is killed with SIGKILL and restarted.
- Stop is bounded: `shutdown` message, SIGTERM after `shutdown_grace`, SIGKILL after `kill_grace`,
  then SIGKILL again every `kill_grace` until the exit is seen.
"""

from __future__ import annotations

import enum
import signal
from dataclasses import dataclass

__all__ = [
    "SIGKILL",
    "SIGTERM",
    "Action",
    "ErrorReported",
    "EscalateStop",
    "Event",
    "Exited",
    "HelloReceived",
    "PongReceived",
    "ProtocolViolated",
    "RESTING_STATES",
    "ReadyReceived",
    "RestartPolicy",
    "RestartRequested",
    "RestartType",
    "SendLoad",
    "SendPing",
    "SendShutdown",
    "Signal",
    "Spawn",
    "SpawnFailed",
    "Spawned",
    "StartRequested",
    "StateChanged",
    "StopRequested",
    "Tick",
    "WorkerState",
    "describe_status",
]

SIGTERM: int = int(signal.SIGTERM)
SIGKILL: int = int(getattr(signal, "SIGKILL", 9))


class WorkerState(enum.Enum):
    """Where one worker is in its life. The value is the name shown to users."""

    STARTING = "starting"  # spawned (or spawning), not `ready` yet
    RUNNING = "running"  # said `ready`; heartbeat applies
    STOPPING = "stopping"  # asked to stop: shutdown -> SIGTERM -> SIGKILL
    STOPPED = "stopped"  # no process; stays so until started
    HUNG = "hung"  # missed its start deadline or a pong: being killed
    CRASHED = "crashed"  # failed (exit, protocol error): being reaped, then BACKOFF or FATAL
    BACKOFF = "backoff"  # waiting before the next start
    FATAL = "fatal"  # crash loop: parked until an explicit start


#: States in which no process of the worker exists and none will appear on its own.
RESTING_STATES = frozenset({WorkerState.STOPPED, WorkerState.FATAL})


class RestartType(enum.Enum):
    PERMANENT = "permanent"  # always restart
    TRANSIENT = "transient"  # restart only after an abnormal end
    TEMPORARY = "temporary"  # never restart


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    """How one worker is supervised. All times in seconds."""

    restart: RestartType = RestartType.PERMANENT
    backoff_initial: float = 0.1
    backoff_factor: float = 2.0
    backoff_max: float = 30.0
    #: RUNNING this long resets the consecutive-crash count (and so the backoff)
    stable_after: float = 10.0
    #: more than `max_restarts` restarts within `restart_window` seconds -> FATAL
    max_restarts: int = 5
    restart_window: float = 60.0
    #: from spawn to `ready`
    start_timeout: float = 30.0
    ping_interval: float = 1.0
    #: must exceed the worker's per-callback budget (3 s)
    pong_timeout: float = 5.0
    #: after the shutdown message, before SIGTERM
    shutdown_grace: float = 2.0
    #: after SIGTERM, before SIGKILL (and between repeated SIGKILLs)
    kill_grace: float = 1.0

    def __post_init__(self) -> None:
        positive = (
            "backoff_initial",
            "backoff_max",
            "restart_window",
            "start_timeout",
            "ping_interval",
            "pong_timeout",
            "shutdown_grace",
            "kill_grace",
        )
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"RestartPolicy.{name} must be > 0")
        if self.backoff_factor < 1:
            raise ValueError("RestartPolicy.backoff_factor must be >= 1")
        if self.stable_after < 0 or self.max_restarts < 0:
            raise ValueError("RestartPolicy.stable_after and max_restarts must be >= 0")

    def backoff_delay(self, consecutive_crashes: int) -> float:
        """The wait before restart number `consecutive_crashes + 1` of a crash streak."""
        # cap the exponent so the float never overflows on a very long streak
        exponent = min(consecutive_crashes, 64)
        return min(self.backoff_initial * self.backoff_factor**exponent, self.backoff_max)


def describe_status(status: int) -> str:
    """`Popen.returncode` in words."""
    if status >= 0:
        return f"exited with status {status}"
    try:
        name = signal.Signals(-status).name
    except ValueError:
        name = "?"
    return f"killed by signal {-status} ({name})"


# --- events: what happened (fed to WorkerLifecycle.handle) -------------------------------------


class Event:
    """Base of every event. Events with a `generation` field are about one incarnation."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class StartRequested(Event):
    """Start the worker (from STOPPED, FATAL or BACKOFF; resets the crash history)."""


@dataclass(frozen=True, slots=True)
class StopRequested(Event):
    """Stop the worker and keep it stopped."""


@dataclass(frozen=True, slots=True)
class RestartRequested(Event):
    """Stop the current process (if any), then start a new one; resets the crash history."""


@dataclass(frozen=True, slots=True)
class EscalateStop(Event):
    """While STOPPING: take the next step of the stop sequence now (shutdown -> TERM -> KILL)."""


@dataclass(frozen=True, slots=True)
class Tick(Event):
    """Time passed: fire whatever deadline is due (see `WorkerLifecycle.next_deadline`)."""


@dataclass(frozen=True, slots=True)
class Spawned(Event):
    generation: int
    pid: int


@dataclass(frozen=True, slots=True)
class SpawnFailed(Event):
    generation: int
    reason: str


@dataclass(frozen=True, slots=True)
class HelloReceived(Event):
    generation: int


@dataclass(frozen=True, slots=True)
class ReadyReceived(Event):
    generation: int


@dataclass(frozen=True, slots=True)
class PongReceived(Event):
    generation: int
    seq: int


@dataclass(frozen=True, slots=True)
class ErrorReported(Event):
    """The worker reported an error (a Lua error): remembered as `last_error`, nothing else."""

    generation: int
    text: str


@dataclass(frozen=True, slots=True)
class ProtocolViolated(Event):
    """Garbage or an out-of-order message from the worker: it is killed and restarted."""

    generation: int
    reason: str


@dataclass(frozen=True, slots=True)
class Exited(Event):
    """The process ended; `status` as `Popen.returncode` (>= 0 exit code, -N signal N)."""

    generation: int
    status: int


# --- actions: what the I/O layer must do -------------------------------------------------------


class Action:
    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Spawn(Action):
    """Start a process for this new generation; report Spawned or SpawnFailed."""

    generation: int


@dataclass(frozen=True, slots=True)
class SendLoad(Action):
    """Send the worker its code (the `Load` message built from the worker's spec)."""

    generation: int


@dataclass(frozen=True, slots=True)
class SendPing(Action):
    generation: int
    seq: int


@dataclass(frozen=True, slots=True)
class SendShutdown(Action):
    generation: int


@dataclass(frozen=True, slots=True)
class Signal(Action):
    generation: int
    signum: int


@dataclass(frozen=True, slots=True)
class StateChanged(Action):
    """Tell the owner (listeners, waiters). `reason` is a short human text."""

    old: WorkerState
    new: WorkerState
    reason: str
