"""Lua scenes under `plua2 up`: each running instance in its own short-lived worker.

Theory of operation
-------------------
One `SceneWorkers` per `plua2 up`, over its own `WorkerTable` (so scene instances never share an id,
a command or a report with QuickApp workers). It is the home's `SceneRunner` (fibaro_api/
scenes.py) and the table's `WorkerListener`, and it watches the home for triggers.

- **Instances.** `execute(scene_id, trigger)` starts one worker whose id is a fresh instance id
  (`INSTANCE_BASE` upward, never reused in a run). It runs the scene's actions as a QuickApp
  start-up without a QuickApp (lua_runtime/scene.lua first, then the actions as the main chunk),
  in the HC3 sandbox, with `exit_when_idle`: the instance ends when its actions and every timer
  they set are done. Restart type TEMPORARY: an instance is never restarted; a crash ends it.
  Its Load comes before `ready`, so a long-running scene is all "start-up": the start timeout is
  long, and a CPU budget (`SceneLimits.budget`, default 60 s per callback) stops a runaway loop.
- **HC3 limits.** At most `maxRunningInstances` instances of a scene run at once; a start beyond
  that kills the oldest one first when the scene allows `restart`, and is dropped with a console
  warning otherwise. `kill(scene_id)` stops every instance of the scene (shutdown, then SIGTERM
  after `KILL_GRACE`, then SIGKILL): nothing else is touched. Each start and each end is told to
  the model (`Scenes.instance_started / instance_finished`: isRunning, SceneStartedEvent,
  SceneFinishedEvent, SceneRunningInstancesEvent); an ended worker leaves the table.
- **Requests.** A scene's `api.*` calls are served as a QuickApp's (`api_router.on_request`),
  except three private ones under `/plua/scene/` (context, variable get/set) that scene.lua uses
  and that never reach the REST API.
- **Triggers.** A refreshStates listener queues the events that can be triggers (only while some
  scene has conditions); one task turns each into triggers
  (scene_conditions.event_triggers) and starts every enabled, `automatic` Lua scene whose
  conditions fire (scene_conditions.scene_fires) with that sourceTrigger. Another task watches the
  emulated clock (`hc3_time.now()`, so `--speed` / `--instant` apply) and offers each new minute
  as a `date` trigger to the scenes that have one (at most `CATCH_UP_MINUTES` when time jumps).
  `se-start` is offered once, when the scenes start.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import trio

from ..fibaro_api import hc3_time
from ..fibaro_api.errors import HC3Error
from ..fibaro_api.home import Home
from ..fibaro_api.scene_conditions import (
    event_triggers,
    has_time_triggers,
    minute_trigger,
    scene_fires,
    se_start_trigger,
)
from ..lua_runtime import read_lua
from ..shared.messages import Error, Log, Request
from .policy import RESTING_STATES, RestartPolicy, RestartType, WorkerState
from .process import Spawner
from .worker_spec import WorkerSpec
from .workers import WorkerTable, open_worker_table

__all__ = [
    "CATCH_UP_MINUTES",
    "INSTANCE_BASE",
    "KILL_GRACE",
    "SceneLimits",
    "SceneWorkers",
    "open_scene_workers",
]

log = logging.getLogger("plua2.scenes")

#: the first worker id of a scene instance (QuickApps have their device ids, far below)
INSTANCE_BASE = 1_000_000_000
#: how long a killed instance gets to stop on its own before SIGTERM (SIGKILL as long again later)
KILL_GRACE = 0.3
#: the most minutes offered to time triggers at once when the clock jumps (--instant, POST time)
CATCH_UP_MINUTES = 24 * 60
_TICK = 0.5
#: the refreshStates events that can start a scene (scene_conditions.event_triggers)
_TRIGGER_EVENTS = frozenset({"DevicePropertyUpdatedEvent", "CentralSceneEvent", "CustomEvent",
                             "GlobalVariableChangedEvent", "ActiveProfileChangedEvent"})  # fmt: skip
_SCENE_CHANGES = frozenset({"SceneCreatedEvent", "SceneModifiedEvent", "SceneRemovedEvent"})
_MIB = 1024 * 1024


@dataclass(frozen=True)
class SceneLimits:
    """CPU seconds one callback of a scene may take, and the Lua heap of an instance (bytes)."""

    budget: float = 60.0
    max_memory: int = 64 * _MIB


class ApiRouter(Protocol):
    """Who answers a worker's `api` requests (QuickAppWorkers)."""

    async def on_request(self, worker_id: int, request: Request) -> Any: ...


@dataclass
class _Instance:
    scene_id: int
    trigger: dict[str, Any]
    killed: bool = False


@dataclass
class _HomeState:
    """The home as scene_conditions reads it, at one moment of the emulated clock."""

    home: Home
    moment: float
    cache: dict[str, Any] = field(default_factory=dict)

    def now(self) -> float:
        return self.moment

    def device_value(self, device_id: int, name: str) -> tuple[bool, Any]:
        device = self.home.devices.find(device_id)
        if device is None or name not in device.properties:
            return False, None
        return True, device.properties[name]

    def global_value(self, name: str) -> str | None:
        variable = self.home.variables.globals.get(name)
        return None if variable is None else str(variable.get("value"))

    def active_profile(self) -> int | None:
        value = self.home.profiles.get("activeProfile")
        return value if isinstance(value, int) else None

    def sun_times(self, moment: float) -> tuple[str, str]:
        settings = self.home.settings
        return hc3_time.sun(settings.latitude, settings.longitude, moment)


class SceneWorkers:
    """See the module docstring. `attach(table, nursery)` before use."""

    def __init__(
        self,
        home: Home,
        api_router: ApiRouter,
        limits: SceneLimits | None = None,
        chunknames: Mapping[int, str] | None = None,
    ) -> None:
        self.home = home
        self.api_router = api_router
        self.limits = limits or SceneLimits()
        #: scene id -> the chunk name its actions run as (the scene file's name)
        self.chunknames: dict[int, str] = dict(chunknames or {})
        self._table: WorkerTable | None = None
        self._nursery: trio.Nursery | None = None
        self._instances: dict[int, _Instance] = {}
        self._ids = itertools.count(INSTANCE_BASE)
        self._events_in, self._events = trio.open_memory_channel[dict[str, Any]](math.inf)
        self._prelude = read_lua("scene.lua").decode("utf-8")
        self._unsubscribe: Any = None
        #: whether some scene can be started by an event (None: to be worked out again)
        self._watching: bool | None = None

    # --- set-up --------------------------------------------------------------------------------

    def attach(self, table: WorkerTable, nursery: trio.Nursery) -> None:
        self._table = table
        self._nursery = nursery
        self.home.scenes.runner = self
        self._unsubscribe = self.home.refresh.add_listener(self._on_event)
        self._events_in.send_nowait({"type": "plua2.seStart"})
        nursery.start_soon(self._apply_triggers)
        nursery.start_soon(self._tick_minutes)

    def detach(self) -> None:
        if self.home.scenes.runner is self:
            self.home.scenes.runner = None
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    @property
    def table(self) -> WorkerTable:
        assert self._table is not None, "SceneWorkers.attach() first"
        return self._table

    # --- SceneRunner ---------------------------------------------------------------------------

    def running(self, scene_id: int) -> list[int]:
        """The worker ids of the instances of a scene that run and are not being killed."""
        return [w for w, i in self._instances.items() if i.scene_id == scene_id and not i.killed]

    def execute(self, scene_id: int, trigger: dict[str, Any]) -> None:
        scene = self.home.scenes.get(scene_id)
        running = self.running(scene_id)
        limit = max(1, int(scene.get("maxRunningInstances") or 1))
        if len(running) >= limit:
            if not scene.get("restart", True):
                self._warn(scene_id, f"scene {scene_id} already runs {len(running)} instance(s) "
                                     f"(maxRunningInstances {limit}): not started")  # fmt: skip
                return
            for worker_id in running[: len(running) - limit + 1]:
                self._kill_instance(worker_id)
        worker_id = next(self._ids)
        try:
            spec = self._spec(worker_id, scene, trigger)
        except Exception as error:  # a trigger the wire cannot carry: this start only
            self._warn(scene_id, f"scene {scene_id} cannot start: {error}")
            return
        self._instances[worker_id] = _Instance(scene_id, trigger)
        self.table.add(spec)
        self.home.scenes.instance_started(scene_id, self._live(scene_id))

    def kill(self, scene_id: int) -> None:
        for worker_id in self.running(scene_id):
            self._kill_instance(worker_id)

    def _kill_instance(self, worker_id: int) -> None:
        instance = self._instances.get(worker_id)
        if instance is None or instance.killed:
            return
        instance.killed = True
        if worker_id in self.table:
            self.table.stop(worker_id)

    def _live(self, scene_id: int) -> int:
        return sum(1 for i in self._instances.values() if i.scene_id == scene_id)

    def _spec(self, worker_id: int, scene: dict[str, Any], trigger: dict[str, Any]) -> WorkerSpec:
        scene_id = int(scene["id"])
        _, actions = self.home.scenes.lua_scene(scene_id)
        options = {
            "sandbox": "quickapp",
            "budget": self.limits.budget,
            "max_memory": self.limits.max_memory,
            "exit_when_idle": True,
            "quickapp": {
                "id": scene_id,
                "files": [{"name": "scene.lua", "content": self._prelude}],
                "device": {"id": scene_id, "name": str(scene.get("name")), "type": "scene"},
                "children": [],
                "trigger": trigger,  # not read by the worker: checks that the wire carries it
            },
        }
        policy = RestartPolicy(
            restart=RestartType.TEMPORARY,
            start_timeout=7 * 24 * 3600.0,  # the actions run before `ready`
            pong_timeout=max(5.0, self.limits.budget + 2.0),
            shutdown_grace=KILL_GRACE,
            kill_grace=KILL_GRACE,
        )
        return WorkerSpec(
            id=worker_id,
            name=f"scene {scene_id} ({scene.get('name')})",
            source=actions,
            chunkname="@" + self.chunknames.get(scene_id, f"scene{scene_id}"),
            options=options,
            policy=policy,
        )

    # --- WorkerListener ------------------------------------------------------------------------

    def _scene_of(self, worker_id: int) -> int | None:
        instance = self._instances.get(worker_id)
        return None if instance is None else instance.scene_id

    def on_log(self, worker_id: int, message: Log) -> None:
        scene_id = self._scene_of(worker_id)
        tag = message.tag or f"SCENE{scene_id}"
        level = "debug" if message.level == "print" else message.level
        self.home.console.add(None, level, tag, message.text)

    def on_stderr(self, worker_id: int, line: str) -> None:
        scene_id = self._scene_of(worker_id)
        self.home.console.add(None, "error", f"SCENE{scene_id}", line)
        log.warning("scene %s (stderr): %s", scene_id, line)

    def on_error(self, worker_id: int, error: Error) -> None:
        text = error.message
        if error.traceback:
            tb = error.traceback
            text = tb if tb.startswith(text) else f"{text}\n{tb}"
        self.home.console.add(None, "error", f"SCENE{self._scene_of(worker_id)}", text)

    def on_state(
        self, worker_id: int, old: WorkerState, new: WorkerState, info: Mapping[str, Any]
    ) -> None:
        if new not in RESTING_STATES and new is not WorkerState.CRASHED:
            return
        instance = self._instances.pop(worker_id, None)
        if instance is None:
            return
        if new is WorkerState.CRASHED and not instance.killed:
            self._warn(instance.scene_id, f"scene {instance.scene_id} instance ended: "
                                          f"{info.get('reason')}")  # fmt: skip
        self.home.scenes.instance_finished(instance.scene_id, self._live(instance.scene_id))
        if self._nursery is not None:
            self._nursery.start_soon(self._forget, worker_id)

    async def _forget(self, worker_id: int) -> None:
        if worker_id in self.table:
            await self.table.get(worker_id).wait_state(RESTING_STATES, 10.0)
            await self.table.remove(worker_id, timeout=1.0)

    async def on_request(self, worker_id: int, request: Request) -> Any:
        params = request.params
        if (
            request.method == "api"
            and len(params) >= 2
            and isinstance(params[1], str)
            and params[1].startswith("/plua/scene/")
        ):
            return self._scene_request(worker_id, params[1], params[2] if len(params) > 2 else None)
        return await self.api_router.on_request(worker_id, request)

    def _scene_request(self, worker_id: int, path: str, body: Any) -> list[Any]:
        instance = self._instances.get(worker_id)
        if instance is None:
            return [404, None]
        scenes = self.home.scenes
        scene_id = instance.scene_id
        if path == "/plua/scene/context":
            name = scenes.scenes.get(scene_id, {}).get("name")
            return [200, {"id": scene_id, "name": name, "trigger": instance.trigger}]
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str):
            return [400, None]
        if path == "/plua/scene/variable/get":
            return [200, {"value": scenes.get_variable(scene_id, name)}]
        if path == "/plua/scene/variable/set":
            try:
                scenes.set_variable(scene_id, name, body.get("value"))
            except HC3Error as error:
                return [error.status, {"type": "ERROR", "reason": error.reason,
                                       "message": error.message}]  # fmt: skip
            return [200, None]
        return [404, None]

    # --- triggers ------------------------------------------------------------------------------

    def _automatic_scenes(self) -> list[tuple[int, Any]]:
        out = []
        for scene_id, scene in list(self.home.scenes.scenes.items()):
            if scene.get("type") != "lua" or not scene.get("enabled", True):
                continue
            if scene.get("mode", "automatic") != "automatic":
                continue
            conditions, _ = self.home.scenes.lua_scene(scene_id)
            if conditions:
                out.append((scene_id, conditions))
        return out

    def offer(self, trigger: dict[str, Any], moment: float | None = None) -> list[int]:
        """Start every scene this trigger fires; the ids of the scenes started."""
        state = _HomeState(self.home, hc3_time.now() if moment is None else moment)
        started = []
        for scene_id, conditions in self._automatic_scenes():
            if trigger.get("type") == "date" and not has_time_triggers(conditions):
                continue
            source = scene_fires(conditions, trigger, state)
            if source is not None:
                started.append(scene_id)
                try:
                    self.execute(scene_id, dict(source))
                except HC3Error:
                    pass  # deleted meanwhile
        return started

    def _on_event(self, event: dict[str, Any]) -> None:
        """The refreshStates listener: queue what may start a scene (cheap for the rest)."""
        kind = event.get("type")
        if kind in _SCENE_CHANGES:
            self._watching = None
        elif kind in _TRIGGER_EVENTS:
            if self._watching is None:
                self._watching = bool(self._automatic_scenes())
            if self._watching:
                self._events_in.send_nowait(event)

    async def _apply_triggers(self) -> None:
        async for event in self._events:
            try:
                if event.get("type") == "plua2.seStart":
                    self.offer(se_start_trigger())
                    continue
                for trigger in event_triggers(event):
                    self.offer(trigger)
            except Exception:
                log.exception("scenes: cannot apply %s", event.get("type"))

    async def _tick_minutes(self) -> None:
        last = int(hc3_time.now() // 60)
        while True:
            await trio.sleep(_TICK)
            minute = int(hc3_time.now() // 60)
            if minute <= last:
                last = min(last, minute)  # the clock went back (POST /plua/time): follow it
                continue
            first = max(last + 1, minute - CATCH_UP_MINUTES + 1)
            last = minute
            if not any(has_time_triggers(c) for _, c in self._automatic_scenes()):
                continue
            for m in range(first, minute + 1):
                try:
                    self.offer(minute_trigger(m * 60.0), m * 60.0)
                except Exception:
                    log.exception("scenes: cannot offer minute %s", m)

    def _warn(self, scene_id: int, text: str) -> None:
        self.home.console.add(None, "warning", f"SCENE{scene_id}", text)


@asynccontextmanager
async def open_scene_workers(
    home: Home,
    api_router: ApiRouter,
    spawner: Spawner,
    *,
    limits: SceneLimits | None = None,
    chunknames: Mapping[int, str] | None = None,
    clock: Any = None,
    stop_timeout: float = 1.0,
) -> AsyncIterator[SceneWorkers]:
    """Scene workers over their own worker table; every instance is stopped on the way out."""
    scenes = SceneWorkers(home, api_router, limits, chunknames)
    async with trio.open_nursery() as nursery:
        try:
            async with open_worker_table(
                spawner, scenes, stop_timeout=stop_timeout, clock=clock
            ) as table:
                scenes.attach(table, nursery)
                yield scenes
                await table.stop_all(stop_timeout)
        finally:
            scenes.detach()
            nursery.cancel_scope.cancel()
