"""The worker process: `python -m plua2.worker --generation N` (or main() in a forked child).

Theory of operation
-------------------
fd 0 is the channel in, fd 1 the channel out, fd 2 free text. At start the channel-out fd is moved
away from fd 1 (dup), and fd 1 becomes a copy of fd 2, so a stray C-level or Python print can never
corrupt the channel. Then: Hello -> wait for Load -> run the main chunk -> Ready -> serve until
stopped. All process-wide set-up happens inside `main()`, none at import, so a fork server may
import this module and call `main()` in each fresh child.

Exit codes: 0 normal end (Shutdown, stdin EOF, idle with exit_when_idle, os.exit in a QuickApp),
the code given to os.exit in a script, 1 internal failure, 2 load failure (syntax error or bad
options), 3 protocol error on stdin.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import sys
from collections.abc import Sequence

import trio

from ..shared.messages import PROTOCOL_VERSION, Error, Hello, Load, Ready, Shutdown
from ..shared.messages import Clock as ClockMessage
from ..shared.virtual_time import TimeBase
from .channel import EXIT_PROTOCOL_ERROR, Channel
from .clock import WorkerClock
from .options import LoadOptions
from .runtime import HostStopped, Runtime

__all__ = ["EXIT_INTERNAL", "EXIT_LOAD_FAILED", "EXIT_PROTOCOL_ERROR", "main"]

EXIT_INTERNAL = 1
EXIT_LOAD_FAILED = 2
_PR_SET_PDEATHSIG = 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plua2.worker")
    parser.add_argument("--generation", type=int, required=True)
    parser.add_argument("--parent", type=int, help="the pid of the process that started us")
    args = parser.parse_args(argv)
    if _parent_is_gone(args.parent):
        return 0
    # Ctrl-C reaches the whole process group: the supervisor decides how workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd_out = os.dup(1)
    os.dup2(2, 1)
    try:
        return trio.run(_serve, args.generation, 0, fd_out)
    except Exception as exc:  # a bug in the worker: say so on stderr, exit 1
        print(f"plua2 worker: internal error: {exc!r}", file=sys.stderr, flush=True)
        return EXIT_INTERNAL
    finally:
        sys.stdout.flush()


def _parent_is_gone(parent: int | None) -> bool:
    """Ask for SIGKILL when the parent dies; True if it already has.

    `parent` is the pid our parent had when it started us (the spawners pass it): a changed
    parent pid means it died. Without it, being reparented to PID 1 is the sign, unless PID 1 is
    a plua2 supervisor (in a container)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return False
    if parent is not None:
        return os.getppid() != parent
    if os.getppid() != 1:
        return False
    # In a container the supervisor itself may be PID 1: then our parent is alive.
    try:
        with open("/proc/1/cmdline", "rb") as f:
            return b"plua2" not in f.read()
    except OSError:
        return True


async def _serve(generation: int, fd_in: int, fd_out: int) -> int:
    clock = WorkerClock()
    channel = Channel(fd_in, fd_out, generation, clock)
    try:
        channel.send(Hello(generation, PROTOCOL_VERSION, os.getpid()))
        load = await _wait_for_load(channel, generation)
    except HostStopped as exc:
        return exc.exit_code
    if load is None:
        return channel.closed.exit_code if channel.closed is not None else 0
    try:
        options = LoadOptions.from_wire(load.options)
    except ValueError as exc:
        channel.send(Error(generation, "load", str(exc), ""))
        return EXIT_LOAD_FAILED
    if options.clock is not None:
        c = options.clock
        clock.apply(
            c["seq"], TimeBase(c["vmono"], c["mono"], c["speed"], c["offset"]), c["horizon"]
        )
    try:
        runtime = Runtime(generation, options, channel, clock)
    except Exception as exc:  # e.g. a max_memory too small for the runtime's own Lua
        channel.send(Error(generation, "load", f"cannot start the Lua runtime: {exc}", ""))
        return EXIT_LOAD_FAILED
    early = channel.held
    channel.held = []
    channel.on_message = runtime.deliver
    channel.on_stop = runtime.stop
    channel.on_clock = runtime.apply_clock
    for message in early:
        if isinstance(message, ClockMessage):
            runtime.apply_clock(message)  # before the main chunk runs
        else:
            runtime.deliver(message)
    if channel.closed is not None:
        runtime.stop(channel.closed.exit_code)
    if not runtime.load(load.source, load.chunkname):
        return EXIT_LOAD_FAILED
    runtime.send(Ready(generation))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(channel.serve_reader)
        runtime.nursery = nursery
        code = await runtime.run_loop()
        nursery.cancel_scope.cancel()
    if clock.frozen and channel.closed is None:
        try:  # where this worker's clock got to (it may have run ahead): the clock keeps it
            channel.report_idle(None)
        except HostStopped:
            pass
    return code


async def _wait_for_load(channel: Channel, generation: int) -> Load | None:
    """The Load message; None if the channel ended or Shutdown came first. Others are kept."""
    kept = []
    try:
        while True:
            message = await channel.receive()
            if message is None:
                return None
            if message.generation == generation:
                if isinstance(message, Load):
                    return message
                if isinstance(message, Shutdown):
                    return None
            kept.append(message)
    finally:
        channel.held[:0] = kept
