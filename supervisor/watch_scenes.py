"""`plua2 up --watch` for Lua scenes (`*.scene.lua`): what a change of a scene file does.

Theory of operation
-------------------
`SceneReload` is the watcher's file kind `scene` (watch.py). A unit is one scene file of the
folder (scene_folder.find_scene_files), keyed by its file name as `install_scenes` keys it.

A scene file that was added or changed is parsed (`parse_scene_file`: headers and the conditions
block) and its actions compiled as Lua 5.3, never run. If that fails, nothing changes: the scene
keeps its definition and each error is told as one `file:line: message` line (stderr, console,
dashboard). If it passes, the scene is installed again (`scene_folder.install_scene`: same id rules
as at start-up); instances still running the old actions are killed (as a QuickApp's worker is
restarted), and the scene is not started by the reload: it runs again when it is triggered or
executed, with the new actions and conditions. A scene file that disappears leaves the scene in the
home, as at start-up (it keeps running instances; delete it through the API to remove it).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..fibaro_api.scene_source import SceneSourceError, parse_scene_file
from .scene_folder import find_scene_files, install_scene, scene_origins
from .watch_plan import KindPlan

if TYPE_CHECKING:
    from .watch import WatchContext

__all__ = ["KIND", "SceneReload", "lua_syntax_error"]

KIND = "scene"
_LUA_ERROR = re.compile(r"^=?f:(\d+): (.*)$", re.DOTALL)


def lua_syntax_error(text: str) -> str | None:
    """None if `text` compiles as Lua 5.3, else `line: message` (nothing is run)."""
    import lupa.lua53

    runtime = lupa.lua53.LuaRuntime(register_eval=False, register_builtins=False)
    answer: Any = runtime.globals().load(text, "=f", "t")
    if not isinstance(answer, tuple) or answer[0] is not None:
        return None
    message = answer[1] if len(answer) > 1 else "?"
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    located = _LUA_ERROR.match(str(message))
    return f"{located.group(1)}: {located.group(2)}" if located else f"1: {message}"


class SceneReload:
    """The `scene` file kind of the watcher; see the module docstring."""

    def __init__(self, context: WatchContext) -> None:
        self.context = context

    def units(self, folder: Path) -> dict[str, list[Path]]:
        return {path.name: [path] for path in find_scene_files(folder)}

    def apply(self, plan: KindPlan, present: Collection[str]) -> None:
        for key in (*plan.added, *plan.changed):
            self._reload(key, present, key in plan.added)

    def _tell(self, text: str, key: str, ok: bool, scene_id: int | None, action: str) -> None:
        self.context.reporter.tell(text, unit=(KIND, key), ok=ok, device_id=None, action=action)

    def _reload(self, key: str, present: Collection[str], added: bool) -> None:
        home = self.context.home
        path = self.context.folder / key
        old_id = scene_origins(home).get(key)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return  # gone or half-written: the next scan says so
        try:
            source = parse_scene_file(text, str(path))
        except SceneSourceError as error:
            self._tell(str(error), key, False, old_id, "error")
            return
        syntax = lua_syntax_error(source.actions)
        if syntax is not None:
            self._tell(f"{path}:{syntax}", key, False, old_id, "error")
            return
        before = home.scenes.scenes.get(old_id, {}).get("content") if old_id is not None else None
        scene_id, problems = install_scene(home, key, source, present)
        for line in problems:
            self._tell(line, key, False, scene_id or old_id, "error")
        if scene_id is None:
            return
        if old_id == scene_id and before == home.scenes.scenes.get(scene_id, {}).get("content"):
            return  # the same scene as before (a broken edit undone): nothing to do
        scenes = self.context.scenes
        if scenes is not None:
            scenes.chunknames[scene_id] = key
            scenes.kill(scene_id)  # instances of the old actions, if any
        what = "installed" if added or old_id is None else "reloaded"
        self._tell(f"{key}: scene {scene_id} {what}", key, True, scene_id, what)
