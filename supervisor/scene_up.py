"""`plua2 up`'s Lua scenes: install the folder's scenes, run their instances, stop them all.

Theory of operation
-------------------
`run_scenes` is one task in `run_quickapps`'s nursery (started with `nursery.start` once the
QuickApp workers exist, because scenes' `api.*` calls are answered by them):

1. install the folder's `*.scene.lua` files in the home (scene_folder.py) and print, once, one line
   per problem and per warning on stderr;
2. open the scene workers (scene_workers.py: their own worker table, the home's scene runner, the
   trigger watcher and the minute ticker) and report `started`;
3. on `stop`: stop every running instance (bounded by `stop_timeout`) and detach from the home.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio

from ..fibaro_api.home import Home
from .log_format import printer
from .process import Spawner
from .scene_folder import install_scenes
from .scene_workers import ApiRouter, SceneLimits, SceneWorkers, open_scene_workers

__all__ = ["run_scenes"]


async def run_scenes(
    home: Home,
    folder: Path,
    api_router: ApiRouter,
    spawner: Spawner,
    stop: trio.Event,
    clock: Any = None,
    *,
    limits: SceneLimits | None = None,
    stop_timeout: float = 1.0,
    task_status: trio.TaskStatus[SceneWorkers] = trio.TASK_STATUS_IGNORED,
) -> None:
    """See the module docstring."""
    installed = install_scenes(home, folder)
    for line in installed.warnings:
        printer.say(f"warning: {line}", level="warning")
    for line in installed.problems:
        printer.say(line, level="error")
    async with open_scene_workers(
        home, api_router, spawner, limits=limits, chunknames=installed.files, clock=clock,
        stop_timeout=stop_timeout,
    ) as scenes:  # fmt: skip
        task_status.started(scenes)
        await stop.wait()
