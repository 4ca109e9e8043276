"""The options of a `Load` message, checked once into a typed value.

Theory of operation
-------------------
`Load.options` is a map of plain wire values sent by the supervisor. `LoadOptions.from_wire` checks
every known key and refuses a wrong type with `ValueError` (the worker reports it as a load error);
unknown keys are ignored so a newer supervisor can talk to an older worker.

| key              | type              | default    | meaning                                           |
|------------------|-------------------|------------|---------------------------------------------------|
| exit_when_idle   | bool              | False      | exit 0 once no timer or other operation is pending |
| budget           | float (seconds)   | 3.0        | CPU time one callback may take before it is stopped |
| max_memory       | int (bytes)       | 0          | Lua heap cap (lupa max_memory); 0 = unlimited      |
| sandbox          | "script"/"quickapp" | "script" | which standard library Lua code sees               |
| argv             | list[str]         | []         | script arguments, the global `arg` (and `...`)     |
| quickapp         | map or None       | None       | run as an HC3 QuickApp (worker/quickapp.py)        |
| clock            | map or None       | None       | the emulated clock (None: the machine's clock)     |

`quickapp` is `{"id": int, "files": [{"name": str, "content": str}], "device": DeviceDto map,
"children": [DeviceDto map]}`; `files` (loaded before the main chunk, in order) and `children` may be
left out. `quickapp_from_wire` in worker/quickapp.py checks it.

`clock` is the first `Clock` message's fields as a map: `{"seq": int, "vmono", "mono", "speed",
"offset", "horizon": numbers}` (shared/messages.py, supervisor/time_policy.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .quickapp import quickapp_from_wire

__all__ = ["SANDBOXES", "LoadOptions"]

SANDBOXES = ("script", "quickapp")
_CLOCK_NUMBERS = ("vmono", "mono", "speed", "offset", "horizon")


@dataclass(frozen=True, slots=True)
class LoadOptions:
    exit_when_idle: bool = False
    budget: float = 3.0
    max_memory: int = 0
    sandbox: str = "script"
    argv: tuple[str, ...] = field(default_factory=tuple)
    quickapp: dict[str, Any] | None = None
    clock: dict[str, Any] | None = None

    @classmethod
    def from_wire(cls, options: dict[str, Any]) -> LoadOptions:
        """Check a Load message's options. Raises ValueError with a one-line reason."""
        exit_when_idle = options.get("exit_when_idle", False)
        if not isinstance(exit_when_idle, bool):
            raise ValueError("option exit_when_idle must be a boolean")
        budget = options.get("budget", 3.0)
        if isinstance(budget, bool) or not isinstance(budget, int | float) or not budget > 0:
            raise ValueError("option budget must be a positive number of seconds")
        max_memory = options.get("max_memory", 0)
        if isinstance(max_memory, bool) or not isinstance(max_memory, int) or max_memory < 0:
            raise ValueError("option max_memory must be an integer >= 0 (bytes, 0 = unlimited)")
        sandbox = options.get("sandbox", "script")
        if sandbox not in SANDBOXES:
            raise ValueError(f"option sandbox must be one of {', '.join(SANDBOXES)}")
        argv = options.get("argv", [])
        if not isinstance(argv, list | tuple) or not all(isinstance(a, str) for a in argv):
            raise ValueError("option argv must be a list of strings")
        quickapp = options.get("quickapp")
        if quickapp is not None:
            quickapp = quickapp_from_wire(quickapp)
        clock = options.get("clock")
        if clock is not None:
            if (
                not isinstance(clock, dict)
                or type(clock.get("seq")) is not int
                or not all(
                    isinstance(clock.get(k), int | float) and not isinstance(clock.get(k), bool)
                    for k in _CLOCK_NUMBERS
                )
                or not clock["speed"] >= 0
            ):
                raise ValueError("option clock must be {seq, vmono, mono, speed, offset, horizon}")
        return cls(exit_when_idle, float(budget), max_memory, sandbox, tuple(argv), quickapp, clock)
