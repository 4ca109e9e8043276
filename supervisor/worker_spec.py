"""What a supervised worker runs (`WorkerSpec`) and what its owner hears (`WorkerListener`).

Theory of operation
-------------------
A spec is frozen: changing what a worker runs means a new spec (remove, add). Its `options` go into
the `Load` message as they are, so a spec whose options the wire cannot carry is refused when it is
made (a LocalProtocolError: the caller's bug), not when the worker starts.

A listener is called from the worker's task: its sync methods must not block (hand work to a channel
if needed) and an exception in one is logged and ignored. `on_request` runs in the incarnation's
nursery, so a slow answer never stalls the worker's reader; its result (or exception text) is sent
back as the Response. Notifications (rid 0) get no Response.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..shared.codec import encode
from ..shared.messages import Error, Load, Log, Request
from .policy import RestartPolicy, WorkerState

__all__ = ["DefaultListener", "WorkerListener", "WorkerSpec"]


@dataclass(frozen=True)
class WorkerSpec:
    """What to run in a worker and how to supervise it. `options` go into the Load message."""

    id: int
    name: str
    source: str | bytes
    chunkname: str = "main"
    options: Mapping[str, Any] = field(default_factory=dict)
    policy: RestartPolicy = field(default_factory=RestartPolicy)

    def __post_init__(self) -> None:
        encode(self.load_message(1))  # an options value the wire cannot carry fails here, loudly

    def load_message(self, generation: int) -> Load:
        return Load(generation, self.source, self.chunkname, dict(self.options))


class WorkerListener(Protocol):
    """What the owner of the workers hears. Sync methods must not block."""

    def on_log(self, worker_id: int, log: Log) -> None: ...

    def on_stderr(self, worker_id: int, line: str) -> None: ...

    def on_error(self, worker_id: int, error: Error) -> None: ...

    def on_state(
        self, worker_id: int, old: WorkerState, new: WorkerState, info: Mapping[str, Any]
    ) -> None:
        """`info`: reason, generation, pid, restarts, last_exit, last_error (after the change)."""
        ...

    async def on_request(self, worker_id: int, request: Request) -> Any:
        """Answer a Request from the worker; an exception becomes Response(ok=False, text)."""
        ...


class DefaultListener:
    """A listener that ignores everything and knows no method: subclass it and override."""

    def on_log(self, worker_id: int, log: Log) -> None:
        pass

    def on_stderr(self, worker_id: int, line: str) -> None:
        pass

    def on_error(self, worker_id: int, error: Error) -> None:
        pass

    def on_state(
        self, worker_id: int, old: WorkerState, new: WorkerState, info: Mapping[str, Any]
    ) -> None:
        pass

    async def on_request(self, worker_id: int, request: Request) -> Any:
        raise LookupError(f"unknown method {request.method!r}")
