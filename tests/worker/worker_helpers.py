"""Helpers for worker tests (imported by the tests; fixtures live in conftest.py): an in-memory Host for in-process runtimes, and a process driver."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import trio
from plua2.shared.codec import FrameDecoder, encode
from plua2.shared.messages import Error, Load, Log, Message
from plua2.worker.options import LoadOptions
from plua2.worker.runtime import Runtime


class FakeHost:
    """Collects what the runtime sends; answers blocking calls from `answers`."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.answers: dict[str, Any] = {}

    def send(self, message: Message) -> None:
        self.sent.append(message)

    def call(self, method: str, params: list[Any], timeout: float) -> Any:
        if method not in self.answers:
            raise RuntimeError(f"no such method {method}")
        answer = self.answers[method]
        return answer(*params) if callable(answer) else answer

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def prints(self) -> list[str]:
        return [m.text for m in self.sent if isinstance(m, Log) and m.level == "print"]

    def errors(self) -> list[Error]:
        return [m for m in self.sent if isinstance(m, Error)]


def make_runtime(**options: Any) -> tuple[Runtime, FakeHost]:
    host = FakeHost()
    options.setdefault("exit_when_idle", True)
    return Runtime(7, LoadOptions(**options), host), host


async def run_script(source: str, **options: Any) -> tuple[Runtime, FakeHost]:
    """Load `source` in a fresh runtime and run the loop until idle (exit_when_idle)."""
    runtime, host = make_runtime(**options)
    assert runtime.load(source, "test.lua")
    with trio.fail_after(30):
        await runtime.run_loop()
    return runtime, host


class WorkerProcess:
    """A real `python -m plua2.worker` speaking frames over its stdin/stdout."""

    def __init__(self, process: trio.Process) -> None:
        self.process = process
        self.decoder = FrameDecoder()
        self.skipped: list[Message] = []

    @classmethod
    async def start(cls, generation: int = 7) -> WorkerProcess:
        process = await trio.lowlevel.open_process(
            [sys.executable, "-m", "plua2.worker", "--generation", str(generation)],
            stdin=-1,
            stdout=-1,
            stderr=-1,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        return cls(process)

    async def send(self, message: Message) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.send_all(encode(message))

    async def send_raw(self, data: bytes) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.send_all(data)

    async def receive(self) -> Message:
        assert self.process.stdout is not None
        while (message := self.decoder.next_message()) is None:
            data = await self.process.stdout.receive_some(65536)
            if not data:
                raise EOFError("worker closed stdout")
            self.decoder.feed(data)
        return message

    async def receive_until(self, kind: type[Message]) -> Message:
        """The next message of `kind`; the others before it are kept in `self.skipped`."""
        while True:
            message = await self.receive()
            if isinstance(message, kind):
                return message
            self.skipped.append(message)

    async def load(self, source: str, **options: Any) -> None:
        hello = await self.receive()
        assert hello.kind == "hello"
        await self.send(Load(7, source, "main.lua", options))

    async def close_stdin(self) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.aclose()

    async def stderr_text(self) -> str:
        assert self.process.stderr is not None
        chunks = []
        while data := await self.process.stderr.receive_some(65536):
            chunks.append(data)
        return b"".join(chunks).decode(errors="replace")

    async def aclose(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                await stream.aclose()
