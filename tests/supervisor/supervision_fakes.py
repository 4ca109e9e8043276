"""In-memory stand-ins for worker processes: a `FakeSpawner` whose processes speak the real wire.

A `FakeProcess` has in-memory pipes (`MemorySendStream` for stdin, `MemoryReceiveStream` for stdout
and stderr) and a small worker body that answers the protocol as its `FakeBehaviour` says: it can
stay mute (hung), send garbage, ignore shutdown or SIGTERM, crash at load, or be made to exit by the
test with `exit(status)`.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import trio
import trio.testing
from plua2.shared.codec import FrameDecoder, encode
from plua2.shared.messages import (
    PROTOCOL_VERSION,
    Hello,
    Load,
    Message,
    Ping,
    Pong,
    Ready,
    Request,
    Response,
    Shutdown,
)
from plua2.supervisor.policy import SIGKILL, SIGTERM, RestartPolicy, WorkerState
from plua2.supervisor.worker_task import DefaultListener, WorkerSpec
from plua2.supervisor.workers import WorkerTable, open_worker_table

#: far above any pid_max, so psutil never finds a real process behind a fake pid
FIRST_FAKE_PID = 5_000_000


@dataclass
class FakeBehaviour:
    hello: bool = True
    ready: bool = True
    answer_pings: bool = True
    honour_shutdown: bool = True
    honour_sigterm: bool = True
    exit_on_load: int | None = None
    garbage_after_ready: bool = False
    fail_spawn: bool = False
    spawn_delay: float = 0.0
    protocol: int = PROTOCOL_VERSION
    #: report this pid instead of a fake one (psutil then finds a real process)
    pid: int | None = None


class FakeProcess:
    def __init__(self, pid: int, worker_id: int, generation: int, behaviour: FakeBehaviour) -> None:
        self.pid = pid
        self.worker_id = worker_id
        self.generation = generation
        self.behaviour = behaviour
        self._stdin = trio.testing.MemorySendStream()
        self._stdout = trio.testing.MemoryReceiveStream()
        self._stderr = trio.testing.MemoryReceiveStream()
        self.stdin: trio.abc.SendStream = self._stdin
        self.stdout: trio.abc.ReceiveStream = self._stdout
        self.stderr: trio.abc.ReceiveStream = self._stderr
        self.returncode: int | None = None
        self.signals: list[int] = []
        self.received: list[Message] = []
        self.pongs = 0
        self.closed = False
        self._exited = trio.Event()
        self._scope = trio.CancelScope()

    # --- the WorkerProcess protocol --------------------------------------------------------------

    async def wait(self) -> int:
        await self._exited.wait()
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.returncode is not None:
            return
        self.signals.append(sig)
        if sig == SIGKILL or (sig == SIGTERM and self.behaviour.honour_sigterm):
            self.exit(-sig)

    async def aclose(self) -> None:
        await self.stdin.aclose()
        await self.stdout.aclose()
        await self.stderr.aclose()
        self.closed = True

    # --- what a test makes it do -----------------------------------------------------------------

    def send(self, message: Message) -> None:
        self.send_raw(encode(message))

    def send_raw(self, data: bytes) -> None:
        if self.returncode is None:
            self._stdout.put_data(data)

    def write_stderr(self, data: bytes) -> None:
        if self.returncode is None:
            self._stderr.put_data(data)

    def exit(self, status: int) -> None:
        if self.returncode is not None:
            return
        self.returncode = status
        self._stdout.put_eof()
        self._stderr.put_eof()
        self._scope.cancel()
        self._exited.set()

    @property
    def alive(self) -> bool:
        return self.returncode is None

    # --- the worker's side -----------------------------------------------------------------------

    async def run_worker(self) -> None:
        b = self.behaviour
        with self._scope:
            async with trio.open_nursery() as nursery:
                if b.hello:
                    self.send(Hello(self.generation, b.protocol, self.pid))
                decoder = FrameDecoder()
                while True:
                    data = await self._stdin.get_data()
                    if not data:
                        self.exit(0)  # like a real worker: stdin closed -> exit
                        return
                    decoder.feed(bytes(data))
                    for message in decoder.messages():
                        self.received.append(message)
                        self._on_message(message, nursery)

    def _on_message(self, message: Message, nursery: trio.Nursery) -> None:
        b = self.behaviour
        gen = self.generation
        if isinstance(message, Load):
            if b.exit_on_load is not None:
                self.exit(b.exit_on_load)
            elif b.ready:
                self.send(Ready(gen))
                if b.garbage_after_ready:
                    self.send_raw(b"\x00\x00\x00\x05\xc1\xc1\xc1\xc1\xc1")
        elif isinstance(message, Ping):
            if b.answer_pings:
                self.pongs += 1
                self.send(Pong(gen, message.seq))
        elif isinstance(message, Shutdown):
            if b.honour_shutdown:
                self.exit(0)
        elif isinstance(message, Request) and message.rid != 0:
            nursery.start_soon(self._answer, message)

    async def _answer(self, request: Request) -> None:
        gen = self.generation
        if request.method == "echo":
            self.send(Response(gen, request.rid, True, request.params))
        elif request.method == "sleep":
            await trio.sleep(request.params[0])
            self.send(Response(gen, request.rid, True, "slept"))
        elif request.method == "fail":
            self.send(Response(gen, request.rid, False, "it failed"))
        # any other method: never answered


class FakeSpawner:
    def __init__(self, nursery: trio.Nursery) -> None:
        self._nursery = nursery
        self._pids = itertools.count(FIRST_FAKE_PID)
        self.behaviours: dict[int, FakeBehaviour] = {}
        self.processes: dict[tuple[int, int], FakeProcess] = {}
        self.spawns = 0
        self.closed = False

    async def spawn(self, worker_id: int, generation: int) -> FakeProcess:
        behaviour = self.behaviours.get(worker_id, FakeBehaviour())
        self.spawns += 1
        if behaviour.spawn_delay:
            await trio.sleep(behaviour.spawn_delay)
        else:
            await trio.lowlevel.checkpoint()
        if behaviour.fail_spawn:
            raise OSError("fake: cannot fork")
        pid = behaviour.pid if behaviour.pid is not None else next(self._pids)
        process = FakeProcess(pid, worker_id, generation, behaviour)
        self.processes[(worker_id, generation)] = process
        self._nursery.start_soon(process.run_worker)
        return process

    def process(self, worker_id: int, generation: int) -> FakeProcess:
        return self.processes[(worker_id, generation)]

    def latest(self, worker_id: int) -> FakeProcess:
        generation = max(g for (w, g) in self.processes if w == worker_id)
        return self.processes[(worker_id, generation)]

    def live(self) -> list[FakeProcess]:
        return [p for p in self.processes.values() if p.alive]

    async def aclose(self) -> None:
        self.closed = True


class RecordingListener(DefaultListener):
    def __init__(self) -> None:
        self.states: list[tuple[int, WorkerState, WorkerState, str]] = []
        self.stderr: list[tuple[int, str]] = []
        self.logs: list[tuple[int, Any]] = []
        self.errors: list[tuple[int, Any]] = []

    def on_state(
        self, worker_id: int, old: WorkerState, new: WorkerState, info: Mapping[str, Any]
    ) -> None:
        self.states.append((worker_id, old, new, info["reason"]))

    def on_stderr(self, worker_id: int, line: str) -> None:
        self.stderr.append((worker_id, line))

    def on_log(self, worker_id: int, log: Any) -> None:
        self.logs.append((worker_id, log))

    def on_error(self, worker_id: int, error: Any) -> None:
        self.errors.append((worker_id, error))

    async def on_request(self, worker_id: int, request: Request) -> Any:
        if request.method == "add":
            return sum(request.params)
        if request.method == "slow":
            await trio.sleep(request.params[0])
            return "done"
        if request.method == "object":
            return object()
        return await super().on_request(worker_id, request)

    def path(self, worker_id: int) -> list[WorkerState]:
        """The states a worker went through, in order (its first state included)."""
        changes = [(old, new) for (w, old, new, _) in self.states if w == worker_id]
        return [changes[0][0], *(new for _, new in changes)] if changes else []


def spec(worker_id: int = 1, **policy: Any) -> WorkerSpec:
    return WorkerSpec(
        id=worker_id,
        name=f"qa{worker_id}",
        source="print('hi')",
        chunkname=f"qa{worker_id}.lua",
        options={"deviceId": worker_id},
        policy=RestartPolicy(**policy),
    )


@dataclass
class Rig:
    table: WorkerTable
    spawner: FakeSpawner
    listener: RecordingListener = field(default_factory=RecordingListener)


@asynccontextmanager
async def supervised(stop_timeout: float = 3.0) -> AsyncIterator[Rig]:
    """A worker table over a fake spawner; everything is stopped and cancelled on the way out."""
    listener = RecordingListener()
    async with trio.open_nursery() as fakes:
        spawner = FakeSpawner(fakes)
        async with open_worker_table(spawner, listener, stop_timeout=stop_timeout) as table:
            yield Rig(table, spawner, listener)
        fakes.cancel_scope.cancel()
