"""A fresh zygote (fork server) per test that wants one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import trio
from plua2.supervisor.zygote import ZygoteSpawner


@pytest.fixture
async def zygote(nursery: trio.Nursery) -> AsyncIterator[ZygoteSpawner]:
    spawner = await ZygoteSpawner.start(nursery)
    try:
        yield spawner
    finally:
        await spawner.aclose()
