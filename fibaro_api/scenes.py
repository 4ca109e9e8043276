"""Scenes in the home model: their DTOs, their Lua code and conditions, running instances, variables.

Theory of operation
-------------------
`Scenes` is one part of `Home` (like `Variables` and `Rooms` in panels.py): it validates first and
raises `HC3Error`s before changing anything, persists each SceneDto under kind `scene` and publishes
the HC3's events (`SceneCreatedEvent`, `SceneModifiedEvent`, `SceneRemovedEvent`).

Running is not done here. `runner` (a `SceneRunner`, set by the supervisor: supervisor/
scene_workers.py) gets `execute(scene_id, trigger)` and `kill(scene_id)`; it starts one worker per
instance and reports back with `instance_started` / `instance_finished`, which keep the DTO's
`isRunning` and `started` and publish `SceneStartedEvent{id}`, `SceneFinishedEvent{id}` and
`SceneRunningInstancesEvent{id, runningInstances}`. Without a runner (the API alone, in tests) an
execute starts and finishes at once. Scenes that are not of type `lua` also run that way.

- A Lua scene's `content` is the HC3's JSON `{conditions, actions}` (scene_source.py); add and
  modify refuse content whose conditions are not a condition tree (400), and `lua_scene(id)` gives
  the parsed pair (cached until the next change).
- `isRunning` and the instance count are runtime state: loading a store resets them.
- Scene variables (`fibaro.getSceneVariable/setSceneVariable`) belong to a scene, outlive its
  instances, are persisted (kind `sceneVariables`, key = scene id) and go with the scene.
"""

from __future__ import annotations

import copy
import json
import time
from typing import TYPE_CHECKING, Any, Protocol

from .errors import BadRequest, Forbidden, NotFound
from .scene_source import SceneSourceError, read_content

if TYPE_CHECKING:
    from .home import Home

__all__ = ["MANUAL_TRIGGER", "SceneRunner", "Scenes"]

#: the sourceTrigger of a scene started through the API (the HC3's admin user is 2)
MANUAL_TRIGGER: dict[str, Any] = {"type": "user", "property": "execute", "id": 2}
_EDITABLE: dict[str, type | tuple[type, ...]] = {
    "name": str, "description": str, "content": str, "enabled": bool, "hidden": bool,
    "mode": str, "maxRunningInstances": int, "restart": bool, "roomId": int, "icon": str,
    "protectedByPin": bool, "stopOnAlarm": bool, "categories": list,
}  # fmt: skip


class SceneRunner(Protocol):
    """Where scene starts and kills go (the supervisor's scene workers). Sync, must not block."""

    def execute(self, scene_id: int, trigger: dict[str, Any]) -> None: ...

    def kill(self, scene_id: int) -> None: ...


class Scenes:
    """See the module docstring."""

    def __init__(self, home: Home) -> None:
        self._home = home
        self.scenes: dict[int, dict[str, Any]] = {}
        self.variables: dict[int, dict[str, Any]] = {}
        self.runner: SceneRunner | None = None
        self._parsed: dict[int, tuple[Any, str]] = {}

    def load(self, objects: dict[str, dict[str, Any]]) -> None:
        self.scenes = {}
        for key, scene in objects.get("scene", {}).items():
            self.scenes[int(key)] = {**scene, "isRunning": False}
        self.variables = {int(k): dict(v) for k, v in objects.get("sceneVariables", {}).items()}
        self._parsed.clear()

    def get(self, scene_id: int) -> dict[str, Any]:
        scene = self.scenes.get(scene_id)
        if scene is None:
            raise NotFound(f"scene {scene_id} does not exist")
        return scene

    # --- definitions ---------------------------------------------------------------------------

    def _check(self, scene: dict[str, Any]) -> None:
        if scene.get("mode") not in ("automatic", "manual"):
            raise BadRequest("field 'mode' must be automatic or manual")
        if scene["maxRunningInstances"] < 1:
            raise BadRequest("field 'maxRunningInstances' must be at least 1")
        if scene.get("type") == "lua":
            try:
                read_content(scene["content"])
            except SceneSourceError as error:
                raise BadRequest(f"scene content: {error}") from None
        room_id = scene.get("roomId", 0)
        if room_id:
            self._home.rooms.get_room(room_id)

    def add(self, spec: dict[str, Any], scene_id: int | None = None) -> dict[str, Any]:
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise BadRequest("field 'name' must be a non-empty string")
        scene_type = spec.get("type", "lua")
        if not isinstance(scene_type, str):
            raise BadRequest("field 'type' must be a string")
        if scene_id is not None and scene_id in self.scenes:
            raise BadRequest(f"scene {scene_id} already exists")
        now = int(time.time())
        scene: dict[str, Any] = {
            "id": 0, "name": name, "description": "", "type": scene_type, "mode": "automatic",
            "icon": "scene_icon", "iconExtension": "png", "content": "",
            "maxRunningInstances": 2, "hidden": False, "protectedByPin": False,
            "stopOnAlarm": False, "enabled": True, "restart": True, "categories": [1],
            "created": now, "updated": now, "isRunning": False, "isScenarioDataCorrect": True,
            "started": 0, "roomId": 0, "sortOrder": 0,
        }  # fmt: skip
        self._apply(scene, {k: v for k, v in spec.items() if k not in ("name", "type")})
        self._check(scene)
        if scene_id is None:
            scene_id = self._home.next_id("scene")
        scene.update(id=scene_id, sortOrder=scene_id)
        self.scenes[scene_id] = scene
        self._parsed.pop(scene_id, None)
        self._home.persist("scene", scene_id, scene)
        self._home.refresh.publish("SceneCreatedEvent", {"id": scene_id})
        return scene

    @staticmethod
    def _apply(scene: dict[str, Any], patch: dict[str, Any]) -> None:
        for key, kind in _EDITABLE.items():
            if key not in patch:
                continue
            value = patch[key]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise BadRequest(f"field '{key}' has the wrong type")
            scene[key] = copy.deepcopy(value)

    def modify(self, scene_id: int, patch: dict[str, Any]) -> None:
        scene = dict(self.get(scene_id))
        self._apply(scene, patch)
        self._check(scene)
        scene["updated"] = int(time.time())
        self.scenes[scene_id] = scene
        self._parsed.pop(scene_id, None)
        self._home.persist("scene", scene_id, scene)
        self._home.refresh.publish("SceneModifiedEvent", {"id": scene_id})

    def delete(self, scene_id: int) -> None:
        self.get(scene_id)
        if self.runner is not None:
            self.runner.kill(scene_id)
        del self.scenes[scene_id]
        self._parsed.pop(scene_id, None)
        self._home.unpersist("scene", scene_id)
        if self.variables.pop(scene_id, None) is not None:
            self._home.unpersist("sceneVariables", scene_id)
        self._home.refresh.publish("SceneRemovedEvent", {"id": scene_id})

    def lua_scene(self, scene_id: int) -> tuple[Any, str]:
        """(condition tree, actions) of a Lua scene (cached); ({}, "") for other types."""
        parsed = self._parsed.get(scene_id)
        if parsed is None:
            scene = self.get(scene_id)
            parsed = ({}, "")
            if scene.get("type") == "lua":
                try:
                    parsed = read_content(str(scene.get("content", "")))
                except SceneSourceError:
                    parsed = ({}, "")
            self._parsed[scene_id] = parsed
        return parsed

    # --- running -------------------------------------------------------------------------------

    def execute(
        self, scene_id: int, args: Any = None, trigger: dict[str, Any] | None = None
    ) -> None:
        """Start an instance (the API's execute, fibaro.scene); conditions are not checked."""
        scene = self.get(scene_id)
        if not scene.get("enabled", True):
            raise Forbidden(f"scene {scene_id} is disabled")
        source = dict(trigger or MANUAL_TRIGGER)
        if args not in (None, {}, []):
            source["args"] = copy.deepcopy(args)
        if self.runner is None or scene.get("type") != "lua":
            self.instance_started(scene_id, 0)
            self.instance_finished(scene_id, 0)
            return
        self.runner.execute(scene_id, source)

    def kill(self, scene_id: int) -> None:
        self.get(scene_id)
        if self.runner is not None:
            self.runner.kill(scene_id)

    def instance_started(self, scene_id: int, running: int) -> None:
        """The runner started an instance; `running` instances run now (this one included)."""
        scene = self.scenes.get(scene_id)
        if scene is None:
            return
        scene["started"] = int(time.time())
        scene["isRunning"] = running > 0
        self._home.refresh.publish("SceneStartedEvent", {"id": scene_id})
        self._home.refresh.publish(
            "SceneRunningInstancesEvent", {"id": scene_id, "runningInstances": running}
        )

    def instance_finished(self, scene_id: int, running: int) -> None:
        """An instance ended (its actions and timers are done, or it was killed)."""
        scene = self.scenes.get(scene_id)
        if scene is not None:
            scene["isRunning"] = running > 0
        self._home.refresh.publish("SceneFinishedEvent", {"id": scene_id})
        self._home.refresh.publish(
            "SceneRunningInstancesEvent", {"id": scene_id, "runningInstances": running}
        )

    # --- scene variables -----------------------------------------------------------------------

    def get_variable(self, scene_id: int, name: str) -> Any:
        return copy.deepcopy(self.variables.get(scene_id, {}).get(name))

    def set_variable(self, scene_id: int, name: str, value: Any) -> None:
        self.get(scene_id)
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            raise BadRequest(f"scene variable '{name}' cannot be stored") from None
        variables = self.variables.setdefault(scene_id, {})
        if value is None:
            variables.pop(name, None)
        else:
            variables[name] = copy.deepcopy(value)
        self._home.persist("sceneVariables", scene_id, variables)
