"""The per-worker supervision state machine, driven directly: no trio, no processes, no clock."""

from __future__ import annotations

import dataclasses

import pytest
from plua2.supervisor.lifecycle import WorkerLifecycle
from plua2.supervisor.policy import (
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

S = WorkerState


class Driver:
    """Feeds a lifecycle and checks its invariants after every event."""

    def __init__(self, **policy: object) -> None:
        self.m = WorkerLifecycle(RestartPolicy(**policy))  # type: ignore[arg-type]
        self.now = 0.0
        self.pid = 1000
        self.generations: list[int] = []

    def __call__(self, event: Event, at: float | None = None) -> list[Action]:
        if at is not None:
            assert at >= self.now
            self.now = at
        before = self.m.state
        actions = self.m.handle(event, self.now)
        state = before
        for action in actions:
            if isinstance(action, StateChanged):
                assert action.old is state and action.new is not state
                state = action.new
            if isinstance(action, Spawn):
                assert not self.generations or action.generation > self.generations[-1]
                self.generations.append(action.generation)
        assert state is self.m.state, "every state change is reported once"
        return actions

    def tick(self, at: float) -> list[Action]:
        return self(Tick(), at)

    @property
    def gen(self) -> int:
        return self.m.generation

    @property
    def state(self) -> WorkerState:
        return self.m.state

    def up(self, at: float | None = None) -> int:
        """From STOPPED/FATAL/BACKOFF-expired to RUNNING; the new generation."""
        if self.state is not S.STARTING:
            self(StartRequested(), at)
        gen = self.gen
        self.pid += 1
        self(Spawned(gen, self.pid))
        assert self(HelloReceived(gen)) == [SendLoad(gen)]
        self(ReadyReceived(gen))
        assert self.state is S.RUNNING
        return gen

    def crash(self, at: float, status: int = 1) -> list[Action]:
        return self(Exited(self.gen, status), at)

    def snapshot(self) -> WorkerLifecycleSnapshot:
        return WorkerLifecycleSnapshot(self.m)


class WorkerLifecycleSnapshot:
    def __init__(self, m: WorkerLifecycle) -> None:
        self.value = {k: v for k, v in vars(m).items() if k != "_handlers"}
        self.value["_restart_times"] = list(m._restart_times)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WorkerLifecycleSnapshot) and self.value == other.value


def of(kind: type, actions: list[Action]) -> list[Action]:
    return [a for a in actions if isinstance(a, kind)]


def states(actions: list[Action]) -> list[WorkerState]:
    return [a.new for a in actions if isinstance(a, StateChanged)]


# --- start ---------------------------------------------------------------------------------------


def test_start_spawns_a_new_generation_and_counts_as_started_only_after_ready() -> None:
    d = Driver()
    assert d.state is S.STOPPED and d.gen == 0
    assert d(StartRequested()) == [StateChanged(S.STOPPED, S.STARTING, "start requested"), Spawn(1)]
    assert d(Spawned(1, 42)) == []
    assert d.m.pid == 42 and d.state is S.STARTING
    assert d(HelloReceived(1)) == [SendLoad(1)]
    assert d.state is S.STARTING and d.m.uptime(d.now) is None
    assert d(ReadyReceived(1), at=0.5) == [StateChanged(S.STARTING, S.RUNNING, "ready")]
    assert d.m.ready_at == 0.5 and d.m.uptime(3.0) == 2.5


def test_spawn_failure_is_a_crash_with_backoff() -> None:
    d = Driver()
    d(StartRequested())
    actions = d(SpawnFailed(1, "OSError: no memory"))
    assert states(actions) == [S.CRASHED, S.BACKOFF]
    assert d.m.last_error == "spawn failed: OSError: no memory"
    assert d.m.next_deadline() == pytest.approx(0.1)
    assert of(Spawn, d.tick(0.1)) == [Spawn(2)]


# --- backoff -------------------------------------------------------------------------------------


def test_backoff_grows_geometrically_up_to_its_cap() -> None:
    d = Driver(max_restarts=100, backoff_max=1.0)
    delays = []
    d.up()
    for _ in range(7):
        d.crash(d.now + 0.01)
        assert d.state is S.BACKOFF
        deadline = d.m.next_deadline()
        assert deadline is not None
        delays.append(round(deadline - d.now, 6))
        d.tick(deadline)
        d.up()
    assert delays == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0]
    assert d.m.restarts == 7


def test_backoff_resets_after_stable_uptime() -> None:
    d = Driver(max_restarts=100, stable_after=10.0)
    d.up()
    d.crash(1.0)
    d.tick(1.1)
    d.up()
    d.crash(2.0)
    assert d.m.next_deadline() == pytest.approx(2.2)  # second crash in a row: 0.2 s
    d.tick(2.2)
    d.up()
    d.crash(2.2 + 10.0)  # ran for stable_after
    assert d.m.next_deadline() == pytest.approx(12.2 + 0.1)
    assert d.m.consecutive_crashes == 1


def test_backoff_policy_numbers() -> None:
    p = RestartPolicy()
    assert (p.backoff_initial, p.backoff_factor, p.backoff_max) == (0.1, 2.0, 30.0)
    assert [p.backoff_delay(n) for n in range(4)] == [0.1, 0.2, 0.4, 0.8]
    assert p.backoff_delay(10_000) == 30.0
    with pytest.raises(ValueError):
        RestartPolicy(pong_timeout=0)
    with pytest.raises(ValueError):
        RestartPolicy(backoff_factor=0.5)


# --- crash loop ----------------------------------------------------------------------------------


def test_crash_loop_parks_the_worker_in_fatal() -> None:
    d = Driver(max_restarts=3, restart_window=60.0)
    d.up()
    for i in range(3):
        d.crash(d.now + 1)
        assert d.state is S.BACKOFF, i
        d.tick(d.m.next_deadline())  # type: ignore[arg-type]
        d.up()
    actions = d.crash(d.now + 1)
    assert states(actions) == [S.CRASHED, S.FATAL]
    assert of(Spawn, actions) == []
    assert "crash loop" in (d.m.last_error or "")
    assert d.m.next_deadline() is None
    assert d.tick(d.now + 1000) == [] and d.state is S.FATAL
    assert d.m.restarts == 3


def test_crashes_spread_wider_than_the_window_never_become_fatal() -> None:
    d = Driver(max_restarts=2, restart_window=10.0, stable_after=1000.0)
    d.up()
    for _ in range(10):
        d.crash(d.now + 6.0)
        assert d.state is S.BACKOFF
        d.tick(d.m.next_deadline())  # type: ignore[arg-type]
        d.up()


def test_start_from_fatal_resets_the_crash_history() -> None:
    d = Driver(max_restarts=1)
    d.up()
    d.crash(1.0)
    d.tick(2.0)
    d.up()
    d.crash(3.0)
    assert d.state is S.FATAL
    gen = d.gen
    actions = d(StartRequested(), at=4.0)
    assert actions == [StateChanged(S.FATAL, S.STARTING, "start requested"), Spawn(gen + 1)]
    d.up()
    d.crash(5.0)
    assert d.state is S.BACKOFF  # one restart allowed again
    assert d.m.next_deadline() == pytest.approx(5.1)  # and the backoff starts over


# --- restart types -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("restart", "status", "expected"),
    [
        (RestartType.PERMANENT, 0, [S.BACKOFF]),
        (RestartType.PERMANENT, 3, [S.CRASHED, S.BACKOFF]),
        (RestartType.PERMANENT, -9, [S.CRASHED, S.BACKOFF]),
        (RestartType.TRANSIENT, 0, [S.STOPPED]),
        (RestartType.TRANSIENT, 3, [S.CRASHED, S.BACKOFF]),
        (RestartType.TRANSIENT, -15, [S.CRASHED, S.BACKOFF]),
        (RestartType.TEMPORARY, 0, [S.STOPPED]),
        (RestartType.TEMPORARY, 3, [S.CRASHED, S.STOPPED]),
    ],
)
def test_restart_types(restart: RestartType, status: int, expected: list[WorkerState]) -> None:
    d = Driver(restart=restart)
    d.up()
    actions = d.crash(1.0, status)
    assert states(actions) == expected
    assert d.m.last_exit == status and d.m.pid is None
    if expected[-1] is S.STOPPED:
        assert d.m.next_deadline() is None and d.tick(100.0) == []


def test_transient_worker_that_exits_cleanly_before_ready_is_restarted() -> None:
    d = Driver(restart=RestartType.TRANSIENT)
    d(StartRequested())
    d(Spawned(1, 5))
    actions = d(Exited(1, 0), at=0.2)
    assert states(actions) == [S.CRASHED, S.BACKOFF]
    assert d.m.last_error == "exited with status 0 before ready"


# --- generations ---------------------------------------------------------------------------------


def test_events_of_an_old_generation_do_not_touch_the_new_one() -> None:
    d = Driver()
    d.up()
    d(ProtocolViolated(1, "garbage"))
    d(Exited(1, -9), at=0.5)
    d.tick(0.6)
    assert d.state is S.STARTING and d.gen == 2
    d(Spawned(2, 777))
    before = d.snapshot()
    for late in (
        Exited(1, -9),
        Exited(1, 0),
        Spawned(1, 1),
        HelloReceived(1),
        ReadyReceived(1),
        PongReceived(1, 1),
        ProtocolViolated(1, "late garbage"),
        ErrorReported(1, "late error"),
        SpawnFailed(1, "late"),
        Exited(3, 0),  # not a generation that exists yet
        ReadyReceived(3),
    ):
        assert d(late) == [], late
        assert d.snapshot() == before, late
    assert d.state is S.STARTING and d.m.pid == 777


def test_events_of_the_current_generation_after_its_exit_are_ignored() -> None:
    d = Driver(restart=RestartType.TEMPORARY)
    d.up()
    d.crash(1.0, 0)
    before = d.snapshot()
    for late in (Exited(1, 0), PongReceived(1, 1), ReadyReceived(1), ProtocolViolated(1, "x")):
        assert d(late) == []
    assert d.snapshot() == before


# --- heartbeat -----------------------------------------------------------------------------------


def test_heartbeat_pings_every_interval_and_a_missing_pong_means_hung_then_kill() -> None:
    d = Driver(ping_interval=1.0, pong_timeout=5.0)
    gen = d.up()
    assert d.m.next_deadline() == 1.0
    assert d.tick(0.9) == []
    assert d.tick(1.0) == [SendPing(gen, 1)]
    assert d.m.next_deadline() == 6.0
    assert d(PongReceived(gen, 1), at=1.2) == []
    assert d.m.next_deadline() == 2.0
    assert d.tick(2.0) == [SendPing(gen, 2)]
    assert d(PongReceived(gen, 99)) == []  # not the outstanding ping: ignored
    assert d.tick(6.9) == []
    actions = d.tick(7.0)
    assert actions == [StateChanged(S.RUNNING, S.HUNG, "no pong within 5 s"), Signal(gen, SIGKILL)]
    assert d.tick(7.5) == []
    assert d.tick(8.0) == [Signal(gen, SIGKILL)]  # not reaped yet: kill again
    actions = d(Exited(gen, -SIGKILL), at=8.1)
    assert states(actions) == [S.CRASHED, S.BACKOFF]
    assert d.m.last_error == "no pong within 5 s"
    assert of(Spawn, d.tick(8.2)) == [Spawn(gen + 1)]


def test_no_heartbeat_before_ready_but_a_start_timeout() -> None:
    d = Driver(start_timeout=30.0, ping_interval=1.0, pong_timeout=5.0)
    d(StartRequested())
    assert d.m.next_deadline() is None  # the spawn itself is bounded by the I/O layer
    d(Spawned(1, 9))
    d(HelloReceived(1))
    assert d.m.next_deadline() == 30.0
    for t in range(1, 30):
        assert d.tick(float(t)) == []
    actions = d.tick(30.0)
    assert actions == [
        StateChanged(S.STARTING, S.HUNG, "not ready within 30 s"),
        Signal(1, SIGKILL),
    ]
    assert states(d(Exited(1, -9), at=30.1)) == [S.CRASHED, S.BACKOFF]


def test_ready_resets_the_heartbeat_schedule() -> None:
    d = Driver(ping_interval=1.0)
    d(StartRequested())
    d(Spawned(1, 9), at=0.0)
    d(HelloReceived(1))
    d(ReadyReceived(1), at=25.0)  # a slow start, but within start_timeout
    assert d.tick(25.5) == []
    assert d.tick(26.0) == [SendPing(1, 1)]


# --- protocol ------------------------------------------------------------------------------------


@pytest.mark.parametrize("running", [False, True])
def test_protocol_violation_kills_and_restarts(running: bool) -> None:
    d = Driver()
    if running:
        d.up()
    else:
        d(StartRequested())
        d(Spawned(1, 5))
    actions = d(ProtocolViolated(1, "frame length 4294967295 is over 67108864"))
    assert states(actions) == [S.CRASHED] and of(Signal, actions) == [Signal(1, SIGKILL)]
    assert d.m.last_error.startswith("protocol error: frame length")  # type: ignore[union-attr]
    assert d(ProtocolViolated(1, "more garbage")) == []
    assert states(d(Exited(1, -9), at=0.1)) == [S.BACKOFF]


@pytest.mark.parametrize(
    "events",
    [
        [ReadyReceived(1)],  # ready before hello
        [HelloReceived(1), HelloReceived(1)],  # hello twice
    ],
)
def test_out_of_order_messages_are_protocol_errors(events: list[Event]) -> None:
    d = Driver()
    d(StartRequested())
    d(Spawned(1, 5))
    actions: list[Action] = []
    for event in events:
        actions = d(event)
    assert states(actions) == [S.CRASHED] and of(Signal, actions) == [Signal(1, SIGKILL)]


def test_error_reports_are_remembered_without_a_state_change() -> None:
    d = Driver()
    d.up()
    assert d(ErrorReported(1, "callback: boom")) == []
    assert d.m.last_error == "callback: boom" and d.state is S.RUNNING


# --- stop ----------------------------------------------------------------------------------------


def test_stop_sequence_shutdown_then_sigterm_then_sigkill_with_the_graces() -> None:
    d = Driver(shutdown_grace=2.0, kill_grace=1.0)
    gen = d.up()
    actions = d(StopRequested(), at=10.0)
    assert actions == [StateChanged(S.RUNNING, S.STOPPING, "stop requested"), SendShutdown(gen)]
    assert d.m.next_deadline() == 12.0
    assert d.tick(11.9) == []
    assert d.tick(12.0) == [Signal(gen, SIGTERM)]
    assert d.tick(12.9) == []
    assert d.tick(13.0) == [Signal(gen, SIGKILL)]
    assert d.tick(14.0) == [Signal(gen, SIGKILL)]
    actions = d(Exited(gen, -9), at=14.1)
    assert actions == [StateChanged(S.STOPPING, S.STOPPED, "stopped")]
    assert d.m.next_deadline() is None and d.m.restarts == 0 and d.m.pid is None


def test_a_worker_that_honours_shutdown_gets_no_signal() -> None:
    d = Driver()
    d.up()
    d(StopRequested(), at=1.0)
    assert states(d(Exited(1, 0), at=1.1)) == [S.STOPPED]
    assert d.m.last_exit == 0


def test_escalate_stop_takes_the_next_step_now() -> None:
    d = Driver()
    d.up()
    d(StopRequested(), at=1.0)
    assert d(EscalateStop(), at=1.1) == [Signal(1, SIGTERM)]
    assert d(EscalateStop(), at=1.2) == [Signal(1, SIGKILL)]
    assert d(EscalateStop(), at=1.3) == [Signal(1, SIGKILL)]


def test_stop_from_backoff_is_immediate() -> None:
    d = Driver()
    d.up()
    d.crash(1.0)
    assert d.state is S.BACKOFF
    assert d(StopRequested()) == [StateChanged(S.BACKOFF, S.STOPPED, "stop requested")]
    assert d.tick(100.0) == [] and d.m.next_deadline() is None


def test_stop_while_spawning_waits_for_the_spawn_then_shuts_it_down() -> None:
    d = Driver()
    d(StartRequested())
    assert states(d(StopRequested())) == [S.STOPPING]
    assert d(Spawned(1, 5), at=0.1) == [SendShutdown(1)]
    assert states(d(Exited(1, 0), at=0.2)) == [S.STOPPED]


def test_stop_while_spawning_then_escalated_kills_on_spawn() -> None:
    d = Driver()
    d(StartRequested())
    d(StopRequested())
    assert d(EscalateStop()) == []
    assert d(Spawned(1, 5)) == [Signal(1, SIGKILL)]


def test_stop_of_a_spawn_that_fails_ends_stopped() -> None:
    d = Driver()
    d(StartRequested())
    d(StopRequested())
    assert states(d(SpawnFailed(1, "nope"))) == [S.STOPPED]


def test_stop_while_hung_lets_the_kill_finish_and_stays_stopped() -> None:
    d = Driver()
    d.up()
    d.tick(1.0)
    d.tick(6.0)
    assert d.state is S.HUNG
    assert states(d(StopRequested())) == [S.STOPPING]
    assert states(d(Exited(1, -9), at=6.1)) == [S.STOPPED]


# --- restart -------------------------------------------------------------------------------------


def test_restart_stops_then_starts_a_new_generation() -> None:
    d = Driver()
    d.up()
    actions = d(RestartRequested(), at=1.0)
    assert states(actions) == [S.STOPPING] and of(SendShutdown, actions) == [SendShutdown(1)]
    actions = d(Exited(1, 0), at=1.1)
    assert states(actions) == [S.STARTING] and of(Spawn, actions) == [Spawn(2)]
    assert d.m.restarts == 0  # counts automatic restarts only
    d.up()


def test_restart_from_backoff_starts_at_once() -> None:
    d = Driver()
    d.up()
    d.crash(1.0)
    assert of(Spawn, d(RestartRequested(), at=1.01)) == [Spawn(2)]


def test_a_stop_cancels_a_pending_restart() -> None:
    d = Driver()
    d.up()
    d(RestartRequested())
    d(StopRequested())
    assert states(d(Exited(1, 0))) == [S.STOPPED]


# --- commands that make no sense -----------------------------------------------------------------


def _in_state(state: WorkerState) -> Driver:
    d = Driver(max_restarts=0)
    if state is S.STOPPED:
        return d
    d(StartRequested())
    if state is S.STARTING:
        return d
    d.up()
    if state is S.RUNNING:
        return d
    if state is S.STOPPING:
        d(StopRequested())
    elif state is S.HUNG:
        d.tick(1.0)
        d.tick(6.0)
    elif state is S.CRASHED:
        d(ProtocolViolated(1, "x"))
    elif state is S.FATAL:
        d.crash(1.0)
    assert d.state is state
    return d


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (S.STOPPED, StopRequested()),
        (S.STOPPED, EscalateStop()),
        (S.STARTING, StartRequested()),
        (S.STARTING, EscalateStop()),
        (S.RUNNING, StartRequested()),
        (S.RUNNING, EscalateStop()),
        (S.STOPPING, StartRequested()),
        (S.HUNG, StartRequested()),
        (S.CRASHED, StartRequested()),
        (S.FATAL, StopRequested()),
        (S.FATAL, EscalateStop()),
        (S.RUNNING, Spawned(1, 5)),  # a second spawn report
        (S.RUNNING, SpawnFailed(1, "x")),
        (S.STOPPED, Tick()),
    ],
)
def test_meaningless_commands_leave_the_state_unchanged(state: WorkerState, event: Event) -> None:
    d = _in_state(state)
    before = d.snapshot()
    assert d(event) == []
    assert d.snapshot() == before


def test_an_unknown_event_is_our_bug() -> None:
    @dataclasses.dataclass(frozen=True)
    class Bogus(Event):
        pass

    with pytest.raises(TypeError):
        WorkerLifecycle().handle(Bogus(), 0.0)


def test_status_snapshot_and_status_words() -> None:
    d = Driver()
    d.up(at=1.0)
    status = d.m.status(4.0)
    assert (status.state, status.generation, status.pid, status.uptime) == (S.RUNNING, 1, 1001, 3.0)
    assert describe_status(0) == "exited with status 0"
    assert describe_status(-9) == "killed by signal 9 (SIGKILL)"
