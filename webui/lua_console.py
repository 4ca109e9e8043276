"""The web Lua console: run one chunk of Lua inside a QuickApp's worker and say what it returned.

Theory of operation
-------------------
`run_lua(api, device_id, code)` finds the worker of the QuickApp that owns `device_id` (a child
device's console is its parent's worker) and sends it an `eval` request (worker/requests.py): the
worker runs the chunk as one callback, between its timers, so it never overlaps the QuickApp's own
code, and its instruction budget stops a runaway line like any other callback. The answer is
bounded by `EVAL_TIMEOUT`.

The reply is `(status, body)`: 200 with `{"ok": true, "values": [...], "text": "2"}` or
`{"ok": false, "error": "..."}` for a Lua error or a worker that is not running; 404 (an HC3 error
body) when no worker runs that device; 400 for a request without `code`.
The worker table is reached through `api.workers` (the supervisor's `QuickAppWorkers`, which has
a `table`); a supervisor without one has no console.
"""

from __future__ import annotations

import math
from typing import Any

from ..supervisor.errors import RequestFailed, UnknownWorker, WorkerError
from .lua_text import format_values

__all__ = ["EVAL_TIMEOUT", "run_lua"]

#: the longest the console waits for a worker's answer (its budget stops a runaway line first)
EVAL_TIMEOUT = 10.0
MAX_CODE = 64 * 1024


def _error(status: int, reason: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"type": "ERROR", "reason": reason, "message": message}


async def run_lua(
    api: Any,
    device_id: int,
    code: Any,
    timeout: float = EVAL_TIMEOUT,  # noqa: ASYNC109 - the bound is part of the contract
) -> tuple[int, dict[str, Any]]:
    """See the module docstring."""
    if not isinstance(code, str) or not code.strip():
        return _error(400, "BAD_REQUEST", 'give the Lua code to run as {"code": "..."}')
    if len(code) > MAX_CODE:
        return _error(400, "BAD_REQUEST", "the code is too long")
    owner = api.home.quickapp_of(device_id) or device_id
    table = getattr(api.workers, "table", None)
    try:
        if table is None:
            raise UnknownWorker(owner, "no worker table")
        task = table.get(owner)
    except (UnknownWorker, AssertionError):
        return _error(404, "NOT_FOUND", f"no QuickApp worker runs device {device_id}")
    try:
        values = await task.request("eval", [code], timeout)
    except RequestFailed as error:
        return 200, {"ok": False, "error": error.reason}
    except WorkerError as error:
        return 200, {"ok": False, "error": str(error)}
    values = list(values) if isinstance(values, list | tuple) else [values]
    return 200, {"ok": True, "values": _jsonable(values), "text": format_values(values)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):  # NaN and inf are not JSON
        return None
    return value
