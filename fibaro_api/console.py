"""The console: `/api/debugMessages`, where every QuickApp log line lands.

Theory of operation
-------------------
A ring buffer of DebugMessageDto `{id, timestamp, type, tag, message}`; ids grow from 1.
`add(device_id, level, tag, text)` is the one entry point (the REST POST, and in the next issue
every QuickApp log line forwarded by the supervisor). Listeners (the dashboard's live log) are
called synchronously for each line. `page(...)` answers `GET /api/debugMessages`: newest first,
`last` asks for messages older than that id, and `nextLast` is the id to ask next (0 when none).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["LEVELS", "Console"]

LEVELS = ("debug", "trace", "warning", "error")
PAGE_SIZE = 100

Listener = Callable[[dict[str, Any]], None]


class Console:
    def __init__(self, capacity: int = 5000) -> None:
        self._messages: deque[dict[str, Any]] = deque(maxlen=capacity)
        self._next_id = 1
        self._listeners: list[Listener] = []

    def add(self, device_id: int | None, level: str, tag: str, text: str) -> dict[str, Any]:
        """Add one line; `level` outside debug/trace/warning/error counts as debug."""
        message: dict[str, Any] = {
            "id": self._next_id,
            "timestamp": int(time.time()),
            "type": level if level in LEVELS else "debug",
            "tag": tag or (f"QUICKAPP{device_id}" if device_id else "plua2"),
            "message": text,
        }
        if device_id is not None:
            message["deviceId"] = device_id
        self._next_id += 1
        self._messages.append(message)
        for listener in list(self._listeners):
            listener(message)
        return message

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def clear(self) -> None:
        self._messages.clear()

    def tags(self) -> list[str]:
        return sorted({m["tag"] for m in self._messages})

    def since(self, message_id: int) -> list[dict[str, Any]]:
        return [m for m in self._messages if m["id"] > message_id]

    @property
    def last_id(self) -> int:
        return self._next_id - 1

    def page(
        self,
        *,
        last: int | None = None,
        types: set[str] | None = None,
        tags: set[str] | None = None,
        start: int | None = None,
        end: int | None = None,
        limit: int = PAGE_SIZE,
    ) -> dict[str, Any]:
        out: list[dict[str, Any]] = []
        for message in reversed(self._messages):
            if last and message["id"] >= last:
                continue
            if types and message["type"] not in types:
                continue
            if tags and message["tag"] not in tags:
                continue
            if start is not None and message["timestamp"] < start:
                continue
            if end is not None and message["timestamp"] > end:
                continue
            out.append(message)
            if len(out) >= limit:
                break
        next_last = out[-1]["id"] if len(out) >= limit else 0
        return {"nextLast": next_last, "messages": out}
