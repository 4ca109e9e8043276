"""The fork server (zygote): a process with the worker's imports done, that forks workers on request.

Run as `python -m plua2.supervisor.zygote_server --fd N`, where N is its end of a SOCK_SEQPACKET
Unix socket pair shared with the supervisor. One packet is one JSON message:

    zygote -> supervisor   {"ready": pid}                      once, when the imports are done
    supervisor -> zygote   {"spawn": generation, "id": worker}  with three fds (SCM_RIGHTS): the
                                                                worker's stdin, stdout and stderr
    zygote -> supervisor   {"spawned": pid, "generation": g}    or {"failed": text, "generation": g}
    zygote -> supervisor   {"exit": pid, "status": s}           s as Popen.returncode (-N: signal N)

Theory of operation:
- Workers are the zygote's children, so the zygote reaps them and reports their exit status; the
  supervisor signals them through pidfds, which cannot hit a recycled pid.
- The zygote dies with the supervisor (PR_SET_PDEATHSIG), and its workers die with it (each worker
  sets the same on its parent), so a SIGKILLed supervisor leaves no orphan behind. If the zygote
  dies on its own, the supervisor sees its workers exit and restarts them with the exec spawner.
- The zygote never runs Lua and never starts trio: a forked child must begin clean.
- It exits when the supervisor closes its end of the socket.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import select
import signal
import socket
import sys
import traceback

#: modules whose import cost is paid once here instead of in every worker
PRELOAD = ("lupa.lua53", "trio", "msgpack", "plua2.shared.codec", "plua2.worker.main")

_MAX_PACKET = 65536


def set_parent_death_signal(parent: int | None, sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send `sig` when our parent dies; exit now if it already has.

    `parent` is the pid the parent had when it started us: PID 1 can be a live supervisor (in a
    container), so "reparented to 1" alone cannot tell."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(sig), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent if parent is not None else os.getppid() == 1:
        os._exit(0)


def _send(sock: socket.socket, message: dict[str, object]) -> None:
    sock.send(json.dumps(message).encode())


def _run_child(generation: int, fds: list[int], worker_main: object, zygote_pid: int) -> None:
    """In the forked child: become the worker. Never returns."""
    code = 70
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        argv = ["--generation", str(generation), "--parent", str(zygote_pid)]
        code = worker_main(argv)  # type: ignore[operator]
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stderr.flush()
        finally:
            os._exit(code)


def _reap(sock: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _send(sock, {"exit": pid, "status": os.waitstatus_to_exitcode(status)})


def serve(sock: socket.socket) -> None:
    worker_main = None
    for name in PRELOAD:
        module = importlib.import_module(name)
        if name == "plua2.worker.main":
            worker_main = module.main
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _send(sock, {"ready": os.getpid()})
    while True:
        readable, _, _ = select.select([sock, wake_r], [], [])
        if wake_r in readable:
            os.read(wake_r, 4096)
            _reap(sock)
        if sock not in readable:
            continue
        data, fds, _flags, _addr = socket.recv_fds(sock, _MAX_PACKET, 3)
        if not data:
            return  # the supervisor closed its end
        try:
            request = json.loads(data)
            generation = int(request["spawn"])
        except (ValueError, KeyError, TypeError):
            for fd in fds:
                os.close(fd)
            _send(sock, {"failed": "bad request", "generation": -1})
            continue
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            _send(sock, {"failed": "expected 3 descriptors", "generation": generation})
            continue
        try:
            zygote_pid = os.getpid()
            pid = os.fork()
        except OSError as exc:
            _send(sock, {"failed": str(exc), "generation": generation})
        else:
            if pid == 0:
                sock.close()
                _run_child(generation, fds, worker_main, zygote_pid)
            _send(sock, {"spawned": pid, "generation": generation})
        for fd in fds:
            os.close(fd)
        _reap(sock)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="plua2-zygote")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--parent", type=int, help="the supervisor's pid")
    args = parser.parse_args(argv)
    set_parent_death_signal(args.parent)
    sock = socket.socket(fileno=args.fd)
    try:
        serve(sock)
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
