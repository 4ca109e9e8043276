"""Helpers for MQTT tests: a real mosquitto broker, a second MQTT client, Lua run in-process.

- `Mosquitto` starts Debian's `mosquitto` on a free 127.0.0.1 port with a config file written to a
  tmp dir (optionally a TLS listener beside it, or anonymous clients refused), waits until it
  accepts connections, and stops it by PID (SIGTERM, then SIGKILL); `kill()` is the broker going
  away (SIGKILL).
- `PeerClient` is "another client": our own session (worker/net_mqtt_session.py) over a trio
  socket, enough to subscribe, publish and collect messages.
- `run_lua` runs a chunk the way a worker does (loaded before the nursery exists), with an optional
  test-side task beside the loop, until the runtime is idle.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import trio
from plua2.shared.messages import Error, Log, Message
from plua2.worker.net_mqtt_packets import Connect
from plua2.worker.net_mqtt_session import (
    ClientSession,
    Connected,
    MessageReceived,
    Published,
    Subscribed,
)
from plua2.worker.options import LoadOptions
from plua2.worker.runtime import Runtime

LOOP_LIMIT = 10.0
START_LIMIT = 5.0


def mosquitto_binary() -> str | None:
    return shutil.which("mosquitto") or shutil.which(
        "mosquitto", path="/usr/sbin:/usr/local/sbin:/sbin"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mosquitto:
    """One broker process. Use as a context manager (stops it by PID)."""

    def __init__(
        self,
        folder: Path,
        *,
        tls: tuple[Path, Path] | None = None,
        anonymous: bool = True,
    ) -> None:
        binary = mosquitto_binary()
        assert binary is not None
        self.port = free_port()
        self.tls_port = free_port() if tls is not None else None
        lines = [
            f"listener {self.port} 127.0.0.1",
            f"allow_anonymous {'true' if anonymous else 'false'}",
            "persistence false",
            "log_dest stderr",
        ]
        if os.geteuid() == 0:
            lines.append("user root")  # else it drops to `mosquitto`, who cannot read tmp_path
        if tls is not None:
            cert, key = tls
            lines += [f"listener {self.tls_port} 127.0.0.1", f"certfile {cert}", f"keyfile {key}"]
        folder.mkdir(parents=True, exist_ok=True)
        self.config = folder / "mosquitto.conf"
        self.config.write_text("\n".join(lines) + "\n")
        self.log = folder / "mosquitto.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [binary, "-c", str(self.config)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_listening()

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + START_LIMIT
        ports = [p for p in (self.port, self.tls_port) if p is not None]
        while ports:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", ports[0]), timeout=0.5):
                    ports.pop(0)
                    continue
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"mosquitto did not listen in time: {self.log.read_text()}")
            time.sleep(0.02)

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """The broker goes away at once."""
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=5)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.process.wait(timeout=5)

    def __enter__(self) -> Mosquitto:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class PeerClient:
    """Another MQTT client (plain TCP) for the tests: connect, subscribe, publish, receive."""

    def __init__(self, stream: trio.SocketStream, session: ClientSession) -> None:
        self.stream = stream
        self.session = session
        self.messages: list[MessageReceived] = []
        self._acks: dict[int, trio.Event] = {}
        self._changed = trio.Event()
        self._connected = trio.Event()
        self._send_lock = trio.Lock()

    @classmethod
    async def connect(cls, nursery: trio.Nursery, port: int, client_id: str) -> PeerClient:
        stream = await trio.open_tcp_stream("127.0.0.1", port)
        peer = cls(stream, ClientSession(Connect(client_id, keep_alive=0)))
        nursery.start_soon(peer._read)
        await peer._flush()
        await peer._connected.wait()
        return peer

    async def _flush(self) -> None:
        async with self._send_lock:
            data, _ = self.session.data_to_send(trio.current_time())
            if data:
                await self.stream.send_all(data)

    async def _read(self) -> None:
        try:
            await self._read_packets()
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            pass  # aclose() (or the broker went away)

    async def _read_packets(self) -> None:
        while data := await self.stream.receive_some(65536):
            for event in self.session.receive_data(data):
                if isinstance(event, Connected):
                    self._connected.set()
                elif isinstance(event, MessageReceived):
                    self.messages.append(event)
                elif isinstance(event, Subscribed | Published):
                    self._acks.setdefault(event.packet_id, trio.Event()).set()
            self._changed.set()
            self._changed = trio.Event()
            await self._flush()

    async def subscribe(self, topic: str, qos: int = 1) -> None:
        pid = self.session.subscribe([(topic, qos)])
        await self._flush()
        await self._acks.setdefault(pid, trio.Event()).wait()

    async def publish(self, topic: str, payload: bytes, qos: int = 0, retain: bool = False) -> None:
        pid = self.session.publish(topic, payload, qos, retain)
        await self._flush()
        if qos:
            await self._acks.setdefault(pid, trio.Event()).wait()

    async def wait_for(self, topic: str) -> MessageReceived:
        while True:
            for message in self.messages:
                if message.topic == topic:
                    return message
            await self._changed.wait()

    async def aclose(self) -> None:
        await trio.aclose_forcefully(self.stream)


class LuaHost:
    """Collects what the runtime sends."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        self.sent.append(message)

    def call(self, method: str, params: list[Any], timeout: float) -> Any:
        raise RuntimeError(f"no such method {method}")

    def sleep(self, seconds: float) -> None:
        raise RuntimeError("no sleep in MQTT tests")

    def report_idle(self, next_due: float | None) -> None:
        pass

    def prints(self) -> list[str]:
        return [m.text for m in self.sent if isinstance(m, Log) and m.level == "print"]

    def errors(self) -> list[Error]:
        return [m for m in self.sent if isinstance(m, Error)]

    async def wait_for_print(self, prefix: str) -> str:
        while True:
            for text in self.prints():
                if text.startswith(prefix):
                    return text
            await trio.sleep(0.01)


async def run_lua(
    source: str,
    during: Callable[[LuaHost, Runtime], Awaitable[None]] | None = None,
    limit: float = LOOP_LIMIT,
    **options: Any,
) -> tuple[Runtime, LuaHost]:
    """Run `source` until the runtime is idle (or stopped), with `during(host, runtime)` running
    beside it; `options` are LoadOptions."""
    host = LuaHost()
    options.setdefault("exit_when_idle", True)
    runtime = Runtime(7, LoadOptions(**options), host)
    assert runtime.load(source, "test.lua"), host.errors()
    with trio.fail_after(limit):
        async with trio.open_nursery() as nursery:
            runtime.nursery = nursery
            if during is not None:
                nursery.start_soon(during, host, runtime)
            await runtime.run_loop()
            nursery.cancel_scope.cancel()
    return runtime, host
