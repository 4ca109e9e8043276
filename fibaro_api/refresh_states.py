"""RefreshStates: the HC3 event log behind `GET /api/refreshStates?last=N` (a long poll).

Theory of operation
-------------------
Every change of the home model is published here as one numbered entry: `last` counts them. It
starts at 1, never 0: a client's first poll is `last=0` and answers at once, so a counter of 0
would make every later `last=0` poll answer at once too (a busy loop until the first event). An entry is either a device property update (which shows
as a `changes` item `{"id": dev, "<prop>": value}` *and* a `DevicePropertyUpdatedEvent`) or an event
only (`GlobalVariableChangedEvent`, `CustomEvent`, `DeviceCreatedEvent`, ...).

- History is a ring buffer of `capacity` entries: a client that fell further behind gets what is
  left (a real HC3 does the same: it cannot replay forever).
- `answer(last)` holds the entries newer than `last`. Changes are merged per device, in order of
  first appearance, later values winning (what an HC3 sends and what clients expect).
- `wait(last)` returns at once when something newer than `last` exists, when `last` is 0 (the
  first call of a client: it gets the counter and no history), or when `last` is ahead of our
  counter (a client that polled a previous run of plua2: it gets the current counter back and
  resynchronises). Otherwise it sleeps, at most `poll_timeout` seconds, on a trio Event that every
  publish sets and replaces, so a change wakes every waiting poll at once.
- `close()` wakes every poll for good (shutdown must not wait 30 s for them).
Publishing is synchronous and must run in the trio thread (the supervisor's, as every model change).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

import trio

from . import hc3_time

__all__ = ["RefreshStates"]

Listener = Callable[[dict[str, Any]], None]


class RefreshStates:
    """The numbered event log and its long poll."""

    def __init__(self, capacity: int = 5000, poll_timeout: float = 30.0) -> None:
        self.last = 1
        self.poll_timeout = poll_timeout
        # (seq, change or None, event)
        self._entries: deque[tuple[int, tuple[int, str, Any] | None, dict[str, Any]]] = deque(
            maxlen=capacity
        )
        self._wakeup = trio.Event()
        self._closed = False
        self._listeners: list[Listener] = []

    # publishing ---------------------------------------------------------------------------
    def property_updated(self, device_id: int, prop: str, new: Any, old: Any) -> None:
        """A device property changed: a `changes` item and a DevicePropertyUpdatedEvent."""
        event = self._event(
            "DevicePropertyUpdatedEvent",
            {"id": device_id, "property": prop, "newValue": new, "oldValue": old},
        )
        self._append((device_id, prop, new), event)

    def publish(self, event_type: str, data: dict[str, Any]) -> None:
        """Any other HC3 event (`GlobalVariableChangedEvent`, `CustomEvent`, ...)."""
        self._append(None, self._event(event_type, data))

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(event)` for every event published from now on; returns an unsubscriber."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @staticmethod
    def _event(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
        return {"type": event_type, "created": int(hc3_time.now()), "data": data}

    def _append(self, change: tuple[int, str, Any] | None, event: dict[str, Any]) -> None:
        self.last += 1
        self._entries.append((self.last, change, event))
        for listener in list(self._listeners):
            listener(event)
        self._wakeup.set()
        self._wakeup = trio.Event()

    # reading ------------------------------------------------------------------------------
    def is_ready(self, last: int) -> bool:
        """Whether a poll with this `last` answers at once."""
        return self._closed or last <= 0 or last != self.last

    async def wait(self, last: int) -> None:
        """Sleep until something newer than `last` exists, or the timeout (the long poll)."""
        if self.is_ready(last):
            return
        with trio.move_on_after(self.poll_timeout):
            while not self.is_ready(last):
                await self._wakeup.wait()

    def close(self) -> None:
        """Wake every poll now and from now on (shutdown)."""
        self._closed = True
        self._wakeup.set()

    def answer(self, last: int, logs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The RefreshStateDto for a client that has seen everything up to `last`."""
        if last > self.last or last <= 0:
            last = self.last  # a first poll, or a counter from a previous run: resynchronise
        changes: dict[int, dict[str, Any]] = {}
        events: list[dict[str, Any]] = []
        if last < self.last:
            for seq, change, event in self._entries:
                if seq <= last:
                    continue
                if change is not None:
                    device_id, prop, value = change
                    changes.setdefault(device_id, {"id": device_id})[prop] = value
                events.append(event)
        now = hc3_time.now()
        answer: dict[str, Any] = {
            "status": "IDLE",
            "last": self.last,
            "date": hc3_time.date_text(now),
            "timestamp": int(now),
            "changes": list(changes.values()),
            "events": events,
            "alarmChanges": [],
        }
        if logs is not None:
            answer["logs"] = logs
        return answer
