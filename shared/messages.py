"""Messages between the supervisor and a worker.

Every message is a small frozen dataclass with a `kind` (its wire name) and the `generation` of the
worker incarnation it belongs to, so the supervisor can drop a late message from a previous
incarnation instead of applying it.

Direction and meaning:

    worker -> supervisor   Hello (first frame), Ready (code loaded), Pong, Log, Error, Idle
    supervisor -> worker   Load (code to run), Ping, Shutdown, Clock
    both ways              Request / Response (HC3 calls from Lua, actions and evals into Lua)

A Request with `rid == 0` is a notification: no Response is sent for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

__all__ = [
    "PROTOCOL_VERSION",
    "Clock",
    "Error",
    "Hello",
    "Idle",
    "Load",
    "Log",
    "Message",
    "Ping",
    "Pong",
    "Ready",
    "Request",
    "Response",
    "Shutdown",
    "MESSAGE_TYPES",
    "LOG_LEVELS",
]

PROTOCOL_VERSION = 1

#: The levels a Log message may carry: `print` is plain output, the rest are the HC3 console levels.
LOG_LEVELS = ("print", "debug", "trace", "warning", "error")


@dataclass(frozen=True, slots=True)
class Message:
    kind: ClassVar[str] = ""
    #: field name -> accepted Python types on the wire (checked by the decoder)
    wire_types: ClassVar[dict[str, tuple[type, ...]]] = {}
    generation: int


@dataclass(frozen=True, slots=True)
class Hello(Message):
    kind: ClassVar[str] = "hello"
    wire_types: ClassVar[dict[str, tuple[type, ...]]] = {"protocol": (int,), "pid": (int,)}
    protocol: int
    pid: int


@dataclass(frozen=True, slots=True)
class Ready(Message):
    kind: ClassVar[str] = "ready"


@dataclass(frozen=True, slots=True)
class Ping(Message):
    kind: ClassVar[str] = "ping"
    wire_types: ClassVar[dict[str, tuple[type, ...]]] = {"seq": (int,)}
    seq: int


@dataclass(frozen=True, slots=True)
class Pong(Message):
    kind: ClassVar[str] = "pong"
    wire_types: ClassVar[dict[str, tuple[type, ...]]] = {"seq": (int,)}
    seq: int


@dataclass(frozen=True, slots=True)
class Shutdown(Message):
    kind: ClassVar[str] = "shutdown"


@dataclass(frozen=True, slots=True)
class Log(Message):
    """A line of output: `print`, or an HC3 console message (`debug`, `trace`, `warning`, `error`)."""

    kind: ClassVar[str] = "log"
    wire_types: ClassVar[dict[str, tuple[type, ...]]] = {"level": (str,), "text": (str,), "tag": (str,)}
    level: str
    text: str
    tag: str = ""


@dataclass(frozen=True, slots=True)
class Error(Message):
    """An uncaught Lua error. `where` says what failed: `load`, `init`, `callback`, `budget`, `memory`."""

    kind: ClassVar[str] = "error"
    wire_types: ClassVar[dict[str, tuple[type, ...]]] = {
        "where": (str,),
        "message": (str,),
        "traceback": (str,),
    }
    where: str
    message: str
    traceback: str = ""


@dataclass(frozen=True, slots=True)
class Load(Message):
    """The code a worker runs, and how. `options` is a map of plain values (see worker.options)."""

    kind: ClassVar[str] = "load"
    wire_types: ClassVar[dict[str, tuple[type, ...]]] = {
        "source": (str, bytes),
        "chunkname": (str,),
        "options": (dict,),
    }
    source: str | bytes
    chunkname: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Request(Message):
    kind: ClassVar[str] = "request"
    wire_types: ClassVar[dict[str, tuple[type, ...]]] = {
        "rid": (int,),
        "method": (str,),
        "params": (list,),
    }
    rid: int
    method: str
    params: list[Any] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Response(Message):
    """The answer to Request `rid`: `result` is the value when `ok`, else an error text."""

    kind: ClassVar[str] = "response"
    wire_types: ClassVar[dict[str, tuple[type, ...]]] = {"rid": (int,), "ok": (bool,)}
    rid: int
    ok: bool
    result: Any = None


@dataclass(frozen=True, slots=True)
class Clock(Message):
    """The emulated clock (shared/virtual_time.py): virtual time `vmono` at `time.monotonic()` ==
    `mono`, running `speed` times real time (0: frozen, moved only by the supervisor or by the
    worker's own jumps up to `horizon`); wall time = virtual time + `offset`. A worker applies only
    a `seq` higher than the last it applied."""

    kind: ClassVar[str] = "clock"
    wire_types: ClassVar[dict[str, tuple[type, ...]]] = {
        "seq": (int,),
        "vmono": (float, int),
        "mono": (float, int),
        "speed": (float, int),
        "offset": (float, int),
        "horizon": (float, int),
    }
    seq: int
    vmono: float
    mono: float
    speed: float
    offset: float
    horizon: float


@dataclass(frozen=True, slots=True)
class Idle(Message):
    """A worker on a frozen clock has nothing to run before `next_due` (virtual time; None: no
    timer) and is at virtual time `now`; `seen` counts the Requests and Responses it has received,
    so the supervisor can tell a report written before its latest work arrived."""

    kind: ClassVar[str] = "idle"
    wire_types: ClassVar[dict[str, tuple[type, ...]]] = {
        "seen": (int,),
        "now": (float, int),
        "next_due": (float, int, type(None)),
    }
    seen: int
    now: float
    next_due: float | None


MESSAGE_TYPES: dict[str, type[Message]] = {
    cls.kind: cls
    for cls in (Hello, Ready, Ping, Pong, Shutdown, Log, Error, Load, Request, Response)
    + (Clock, Idle)
}


def field_names(cls: type[Message]) -> list[str]:
    """The wire order of a message's fields after `generation`."""
    return [f.name for f in fields(cls) if f.name != "generation"]
