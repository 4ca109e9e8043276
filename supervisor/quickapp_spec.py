"""What a QuickApp's worker runs: its `WorkerSpec`, built from the home model.

Theory of operation
-------------------
`quickapp_spec(home, device_id, limits)` reads the QuickApp's *current* state: its files
(`home.quickapp_files`), its DeviceDto and its children's. It is called again before every start of
the worker (first start, restart, restart after a crash), so a worker always starts with the code
and the properties the home holds at that moment (files PUT through the API, variables set by the
previous incarnation).

The Load contract with the worker (lua_runtime / worker side):

    source    = the main file's content, chunkname = "@<main file name>"
    options   = {"sandbox": "quickapp", "budget": s, "max_memory": bytes,
                 "quickapp": {"id": id, "files": [{"name", "content"} of the other files, in order],
                              "device": DeviceDto, "children": [DeviceDto of each child]}}

Limits: `QuickAppLimits` holds the defaults (`plua2 up --budget/--max-memory`); a QuickApp's main
file may ask for its own with `--%%budget=<seconds>` and `--%%maxMemory=<MiB>` (plua2 directives,
comments on an HC3). The heartbeat's pong timeout is stretched past a long budget, so a callback
that is allowed to run 30 s is stopped by its budget, not killed as hung.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from ..fibaro_api.home import Home
from .policy import RestartPolicy
from .worker_spec import WorkerSpec

__all__ = ["MIB", "QuickAppLimits", "limits_from_code", "main_file", "quickapp_spec"]

MIB = 1024 * 1024
_BUDGET = re.compile(r"^\s*--%%\s*budget\s*[=:]\s*([0-9.]+)\s*$", re.MULTILINE)
_MEMORY = re.compile(r"^\s*--%%\s*maxMemory\s*[=:]\s*([0-9]+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class QuickAppLimits:
    """How long one callback may run (seconds) and how much Lua heap a worker may use (bytes)."""

    budget: float = 3.0
    max_memory: int = 64 * MIB


def limits_from_code(code: str, defaults: QuickAppLimits) -> QuickAppLimits:
    """The limits a main file asks for with `--%%budget` / `--%%maxMemory`, else the defaults."""
    limits = defaults
    budget = _BUDGET.search(code)
    if budget is not None:
        try:
            seconds = float(budget.group(1))
        except ValueError:
            seconds = 0.0
        if seconds > 0:
            limits = replace(limits, budget=seconds)
    memory = _MEMORY.search(code)
    if memory is not None and int(memory.group(1)) > 0:
        limits = replace(limits, max_memory=int(memory.group(1)) * MIB)
    return limits


def main_file(files: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The main file of a QuickApp's file list (flagged `isMain`, else the one named `main`)."""
    for file in files:
        if file.get("isMain"):
            return file
    for file in files:
        if file.get("name") == "main":
            return file
    return None


def quickapp_spec(home: Home, device_id: int, defaults: QuickAppLimits) -> WorkerSpec:
    """The spec of a QuickApp's worker, from the home as it is now. KeyError: no main file."""
    device = home.devices.get(device_id)
    files = home.quickapp_files.get(device_id, [])
    main = main_file(files)
    if main is None:
        raise KeyError(f"QuickApp {device_id} has no main file")
    code = str(main.get("content", ""))
    limits = limits_from_code(code, defaults)
    children = [json.loads(child.json()) for child in home.devices.children_of(device_id)]
    options = {
        "sandbox": "quickapp",
        "budget": limits.budget,
        "max_memory": limits.max_memory,
        "quickapp": {
            "id": device_id,
            "files": [
                {"name": str(f.get("name")), "content": str(f.get("content", ""))}
                for f in files
                if f is not main
            ],
            "device": json.loads(device.json()),
            "children": children,
        },
    }
    policy = RestartPolicy(pong_timeout=max(5.0, limits.budget + 2.0))
    return WorkerSpec(
        id=device_id,
        name=str(device.dto.get("name", device_id)),
        source=code,
        chunkname=f"@{main.get('name', 'main')}",
        options=options,
        policy=policy,
    )
