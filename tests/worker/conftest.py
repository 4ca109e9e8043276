"""Fixtures for worker tests: `worker` is a started worker process, killed and reaped afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import trio
from worker_helpers import WorkerProcess


@pytest.fixture
async def worker() -> AsyncIterator[WorkerProcess]:
    process = await WorkerProcess.start()
    try:
        yield process
    finally:
        with trio.CancelScope(shield=True), trio.move_on_after(10):
            await process.aclose()
