"""Worker start-up, memory and ping round trip, for the zygote and the exec spawner.

    python -m bench.spawn [--spawns N] [--pings N] [--memory N]

For each spawner:
- spawn -> ready: from `spawner.spawn()` to the worker's `Ready` (it says `Hello`, we send
  `Load(gen, "", "=bench", {})`, it answers `Ready`), one worker at a time, each stopped (stdin
  closed, exit awaited) before the next spawn. `spawn -> hello` is reported alongside.
- idle worker memory: USS and RSS (psutil `memory_full_info`) of a worker 0.3 s after its Ready,
  sampled over several workers; the zygote's own footprint is reported once.
- ping round trip: `Ping` -> `Pong` on one ready worker, one at a time, timed with perf_counter.

Talks to workers exactly as the supervisor does (the Spawner/WorkerProcess protocols of
supervisor/process.py, frames of shared/codec.py), but without the supervision around them.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import psutil
import trio
from plua2.shared.codec import FrameDecoder, encode
from plua2.shared.messages import Hello, Load, Message, Ping, Pong, Ready, Shutdown
from plua2.supervisor.process import Spawner, WorkerProcess

from .common import Report, finish, mib, ms, summary

DEADLINE = 30.0  # no single step of a worker may take longer than this


class WorkerChannel:
    """Frames to and from one worker process; its stderr drained in the background."""

    def __init__(self, proc: WorkerProcess, generation: int) -> None:
        self.proc = proc
        self.generation = generation
        self.decoder = FrameDecoder()
        self.stderr = bytearray()

    async def drain_stderr(self) -> None:
        try:
            while data := await self.proc.stderr.receive_some(65536):
                if len(self.stderr) < 65536:
                    self.stderr += data
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            pass

    async def send(self, message: Message) -> None:
        await self.proc.stdin.send_all(encode(message))

    async def receive(self) -> Message:
        while True:
            message = self.decoder.next_message()
            if message is not None:
                return message
            data = await self.proc.stdout.receive_some(65536)
            if not data:
                self.decoder.feed_eof()
                raise EOFError(
                    f"worker {self.proc.pid} closed its stdout; stderr: {self.stderr[-2000:]!r}"
                )
            self.decoder.feed(data)

    async def expect(self, kind: type[Message]) -> Message:
        """The next message of this type (log lines and others in between are skipped)."""
        while True:
            message = await self.receive()
            if isinstance(message, kind):
                return message


@asynccontextmanager
async def started_worker(
    spawner: Spawner,
    generation: int,
    times: dict[str, float] | None = None,
    source: str = "",
    chunkname: str = "=bench",
) -> AsyncIterator[WorkerChannel]:
    """A ready worker that loaded `source`; on exit it is stopped (Shutdown, stdin closed, exit
    awaited, SIGKILL if slow). `times` gets "hello", "ready" (from spawn) and "load" (Load sent)."""
    t0 = time.perf_counter()
    proc = await spawner.spawn(1, generation)
    channel = WorkerChannel(proc, generation)
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(channel.drain_stderr)
            try:
                with trio.fail_after(DEADLINE):
                    hello = await channel.expect(Hello)
                    t_hello = time.perf_counter()
                    await channel.send(Load(generation, source, chunkname, {}))
                    await channel.expect(Ready)
                    t_ready = time.perf_counter()
                assert isinstance(hello, Hello)
                if times is not None:
                    times["hello"] = t_hello - t0
                    times["ready"] = t_ready - t0
                    times["load_sent"] = t_hello
                yield channel
            finally:
                with trio.CancelScope(shield=True):
                    await _stop(channel)
                nursery.cancel_scope.cancel()
    finally:
        with trio.CancelScope(shield=True):
            await proc.aclose()


async def _stop(channel: WorkerChannel) -> None:
    proc = channel.proc
    try:
        await channel.send(Shutdown(channel.generation))
    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
        pass
    try:
        await proc.stdin.aclose()
    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
        pass
    with trio.move_on_after(3):
        await proc.wait()
        return
    proc.send_signal(9)
    with trio.move_on_after(5):
        await proc.wait()


SpawnerFactory = Callable[[trio.Nursery], Awaitable[Spawner]]


async def _exec_spawner(nursery: trio.Nursery) -> Spawner:
    from plua2.supervisor.spawn_exec import ExecSpawner

    return ExecSpawner()


async def _zygote_spawner(nursery: trio.Nursery) -> Spawner:
    from plua2.supervisor.zygote import ZygoteSpawner

    return await ZygoteSpawner.start(nursery)


SPAWNERS: dict[str, SpawnerFactory] = {"zygote": _zygote_spawner, "exec": _exec_spawner}


def _zygote_pid(spawner: Spawner) -> int | None:
    process = getattr(spawner, "_process", None)
    return getattr(process, "pid", None)


async def bench_spawner(
    name: str, factory: SpawnerFactory, spawns: int, pings: int, memory: int
) -> dict[str, Any]:
    result: dict[str, Any] = {"spawner": name}
    async with trio.open_nursery() as nursery:
        spawner = await factory(nursery)
        try:
            generation = 0
            # warm-up: page cache, the zygote's first fork
            for _ in range(3):
                generation += 1
                async with started_worker(spawner, generation):
                    pass

            hello: list[float] = []
            ready: list[float] = []
            for _ in range(spawns):
                generation += 1
                times: dict[str, float] = {}
                async with started_worker(spawner, generation, times):
                    pass
                hello.append(times["hello"])
                ready.append(times["ready"])
            result["spawn_to_hello"] = summary(hello)
            result["spawn_to_ready"] = summary(ready)

            uss: list[float] = []
            rss: list[float] = []
            for _ in range(memory):
                generation += 1
                async with started_worker(spawner, generation) as channel:
                    await trio.sleep(0.3)
                    info = psutil.Process(channel.proc.pid).memory_full_info()
                    uss.append(info.uss)
                    rss.append(info.rss)
            result["idle_uss"] = summary(uss)
            result["idle_rss"] = summary(rss)
            zpid = _zygote_pid(spawner)
            if zpid is not None and name == "zygote":
                try:
                    zinfo = psutil.Process(zpid).memory_full_info()
                    result["zygote_uss"] = zinfo.uss
                    result["zygote_rss"] = zinfo.rss
                except psutil.Error:
                    pass

            generation += 1
            rtt: list[float] = []
            async with started_worker(spawner, generation) as channel:
                for seq in range(pings + 200):
                    t0 = time.perf_counter()
                    await channel.send(Ping(generation, seq))
                    while True:
                        message = await channel.expect(Pong)
                        assert isinstance(message, Pong)
                        if message.seq == seq:
                            break
                    if seq >= 200:  # the first 200 warm up
                        rtt.append(time.perf_counter() - t0)
            result["ping_rtt"] = summary(rtt)
        finally:
            await spawner.aclose()
            nursery.cancel_scope.cancel()
    return result


def report_rows(report: Report, results: list[dict[str, Any]]) -> None:
    for r in results:
        name = r["spawner"]
        s = r["spawn_to_ready"]
        report.add(
            "spawn->ready",
            name,
            "p50 / p90 / p99",
            f"{ms(s['p50'])} / {ms(s['p90'])} / {ms(s['p99'])}",
            "p50 <= 30 ms" if name == "zygote" else "",
            f"n={s['n']}, hello p50 {ms(r['spawn_to_hello']['p50'])}",
        )
    for r in results:
        name = r["spawner"]
        note = ""
        if "zygote_uss" in r:
            note = f"zygote itself: USS {mib(r['zygote_uss'])}, RSS {mib(r['zygote_rss'])}"
        report.add(
            "idle worker memory",
            name,
            "USS / RSS (p50)",
            f"{mib(r['idle_uss']['p50'])} / {mib(r['idle_rss']['p50'])}",
            "USS <= 12 MiB",
            note,
        )
    for r in results:
        s = r["ping_rtt"]
        report.add(
            "ping round trip",
            r["spawner"],
            "p50 / p99",
            f"{ms(s['p50'])} / {ms(s['p99'])}",
            "",
            f"n={s['n']}",
        )


def run(
    report: Report,
    spawns: int = 200,
    pings: int = 5000,
    memory: int = 10,
    only: list[str] | None = None,
) -> None:
    results: list[dict[str, Any]] = []
    for name, factory in SPAWNERS.items():
        if only and name not in only:
            continue
        print(
            f"[spawn] {name}: {spawns} spawns, {memory} memory samples, {pings} pings ...",
            flush=True,
        )
        try:
            results.append(trio.run(bench_spawner, name, factory, spawns, pings, memory))
        except Exception as exc:  # a spawner that is not there yet: record it, go on
            report.add("spawn", name, "error", f"{type(exc).__name__}: {exc}"[:160])
            report.data.setdefault("errors", {})[f"spawn/{name}"] = repr(exc)
    report.data["spawn"] = results
    report_rows(report, results)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.spawn", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--spawns", type=int, default=200)
    parser.add_argument("--pings", type=int, default=5000)
    parser.add_argument("--memory", type=int, default=10)
    parser.add_argument("--only", nargs="*", choices=list(SPAWNERS))
    args = parser.parse_args()
    report = Report("spawn")
    run(report, args.spawns, args.pings, args.memory, args.only)
    finish(report)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
