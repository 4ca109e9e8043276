"""The dashboard's live feed: a tiny publish/subscribe hub between the supervisor and websockets.

Theory of operation
-------------------
Anything in the supervisor's trio thread may call `publish(topic, payload)` (e.g. the worker
table's `on_state` listener: `live.publish("worker", {"id": 5000, "state": "running", ...})`).
Publishing is synchronous, never blocks and never raises: with nobody subscribed it is one
length check. Each websocket of the dashboard holds one `Subscription`, a bounded queue of
`(topic, payload)` pairs.

Invariants:
- A slow subscriber never slows the publisher: when its queue is full it is *overflowed* (closed
  and dropped from the hub), its websocket ends, and the page reconnects and gets a fresh
  snapshot. So nothing is ever silently lost from a subscriber that stays subscribed.
- Payloads are shared between subscribers: treat them as read-only.
- Everything runs in one trio thread (the supervisor's); there is no locking.

Topics the page understands: `worker` (a worker's info dict, partial is fine: `id` is required),
`prop` (`{id, name, value}`), `view` (`{id, component, prop, value}`), `log` (a console message),
`global` (`{name, value}` or `{name, removed: true}`), `devices` (the device list changed),
`reload` (`plua2 up --watch` reloaded a file or refused it: `{kind, file, id, ok, action, message}`,
shown as a toast).
"""

from __future__ import annotations

from typing import Any

import trio

__all__ = ["HUB", "Hub", "Subscription", "publish"]

#: how many messages one subscriber may have waiting before it is dropped
QUEUE_LIMIT = 2000

Item = tuple[str, Any]


class Subscription:
    """One subscriber's queue; `async for topic, payload in sub` until it is closed."""

    def __init__(self, hub: Hub, limit: int) -> None:
        self._hub = hub
        self._send, self._receive = trio.open_memory_channel[Item](limit)
        self.overflowed = False

    def offer(self, item: Item) -> None:
        try:
            self._send.send_nowait(item)
        except trio.WouldBlock:
            self.overflowed = True
            self.close()
        except trio.ClosedResourceError:
            pass

    def close(self) -> None:
        self._hub._subscribers.discard(self)
        self._send.close()

    async def receive(self) -> Item:
        """The next item; `trio.EndOfChannel` once closed and drained."""
        return await self._receive.receive()

    def receive_nowait(self) -> Item:
        """The next item if one is waiting; `trio.WouldBlock` otherwise."""
        return self._receive.receive_nowait()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        self._receive.close()


class Hub:
    """Fan-out of published items to every current subscriber."""

    def __init__(self, limit: int = QUEUE_LIMIT) -> None:
        self.limit = limit
        self._subscribers: set[Subscription] = set()

    def subscribe(self) -> Subscription:
        """A new subscription (use it as a context manager so it is always closed)."""
        sub = Subscription(self, self.limit)
        self._subscribers.add(sub)
        return sub

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def publish(self, topic: str, payload: Any) -> None:
        if not self._subscribers:
            return
        item = (topic, payload)
        for sub in list(self._subscribers):
            sub.offer(item)


#: the supervisor's hub (one `plua2 up` per process); the dashboard mounts on it by default
HUB = Hub()


def publish(topic: str, payload: Any) -> None:
    """Publish on the supervisor's hub; see the module docstring."""
    HUB.publish(topic, payload)
