"""The Lua scenes of a project folder (`*.scene.lua`), installed as scenes in the home model.

Theory of operation
-------------------
`install_scenes(home, folder)` is what `plua2 up DIR` does for scenes before anything runs, next to
`install_folder` for QuickApps (quickapp_folder.py leaves `*.scene.lua` files alone). Pure model
work: it reads files and changes the `Home`.

- A scene of the folder is a top-level file named `*.scene.lua` (format: fibaro_api/scene_source.py
  and docs/scenes.md), taken in sorted name order.
- Scene ids, as QuickApp ids: a `--%%id` wins; else the id this file had in an earlier run
  (remembered in the store as objects of kind `sceneSource`, key = the file name); else the next
  free scene id. Explicit ids are claimed first; one claimed twice is a problem line.
- First run of a file: the scene is created (type lua, content = the file's conditions and
  actions). Later runs update it from the file (the file is the truth): name, content, room and
  the settings its headers give. Scene variables stay.
- A bad file is one problem line (`file:line: what`); the other files still install, and a scene
  whose file failed keeps its stored definition but is not updated.

`install_scene(home, key, source, others)` is the same for one file (`plua2 up --watch`); `others`
are the folder's other scene files, whose ids it must not take.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..fibaro_api.errors import HC3Error
from ..fibaro_api.home import Home
from ..fibaro_api.scene_source import SCENE_SUFFIX, SceneSource, SceneSourceError, parse_scene_file
from .folder_ids import assign_ids, install_file, stored_origins

__all__ = [
    "SCENE_ORIGIN_KIND",
    "FolderScenes",
    "find_scene_files",
    "install_scene",
    "install_scenes",
    "scene_origins",
]

#: store object kind: file name (relative to the folder) -> scene id
SCENE_ORIGIN_KIND = "sceneSource"


@dataclass
class FolderScenes:
    """What `install_scenes` did."""

    #: scene id -> file name, for the folder's scenes that installed
    files: dict[int, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def find_scene_files(folder: Path) -> list[Path]:
    """The scene files of a folder, sorted."""
    return [
        p for p in sorted(folder.iterdir()) if p.is_file() and p.name.lower().endswith(SCENE_SUFFIX)
    ]


def install_scenes(home: Home, folder: Path) -> FolderScenes:
    """Create or update a scene for every scene file of `folder`; see the module docstring."""
    result = FolderScenes()
    sources: list[tuple[str, SceneSource]] = []
    for path in find_scene_files(folder):
        try:
            text = path.read_text(encoding="utf-8")
            source = parse_scene_file(text, str(path))
        except (OSError, UnicodeDecodeError) as error:
            result.problems.append(f"{path}: cannot read: {error}")
            continue
        except SceneSourceError as error:
            result.problems.append(str(error))
            continue
        result.warnings.extend(source.warnings)
        sources.append((path.name, source))
    origins = scene_origins(home)
    ids = _assign_ids(home, sources, origins, result.problems)
    for key, source in sources:
        scene_id = ids.get(key)
        if scene_id is None:
            continue
        try:
            _install(home, scene_id, source)
        except HC3Error as error:
            result.problems.append(f"{source.path}: {error.message}")
            continue
        if origins.get(key) != scene_id:
            home.persist(SCENE_ORIGIN_KIND, key, scene_id)
        result.files[scene_id] = key
    return result


def install_scene(
    home: Home, key: str, source: SceneSource, others: Collection[str] = ()
) -> tuple[int | None, list[str]]:
    """Install one scene file as `install_scenes` would: its scene id (None if it could not
    install) and problem lines. `others`: the folder's other scene file names."""
    return install_file(home, SCENE_ORIGIN_KIND, key, source, others, _assign_ids, _install)


def scene_origins(home: Home) -> dict[str, int]:
    """File name (relative to the folder) -> the scene id it was installed as."""
    return stored_origins(home, SCENE_ORIGIN_KIND)


def _assign_ids(
    home: Home,
    sources: list[tuple[str, SceneSource]],
    origins: dict[str, int],
    problems: list[str],
    taken: dict[int, str] | None = None,
) -> dict[str, int]:
    taken_by_files = set(origins.values())
    files = [(key, source.scene_id, source.path) for key, source in sources]
    return assign_ids(
        home,
        files,
        origins,
        problems,
        id_kind="scene",
        label="scene id",
        in_use=lambda new_id: new_id in home.scenes.scenes or new_id in taken_by_files,
        taken=taken,
    )


def _room_id(home: Home, source: SceneSource) -> int | None:
    if source.room is None:
        return None
    if isinstance(source.room, int):
        home.rooms.get_room(source.room)
        return source.room
    for room in home.rooms.rooms.values():
        if room.get("name") == source.room:
            return int(room["id"])
    raise _Problem(f"no room named '{source.room}'")


def _install(home: Home, scene_id: int, source: SceneSource) -> None:
    room_id = _room_id(home, source)
    spec: dict[str, Any] = {"name": source.name, "content": source.content, **source.settings}
    if room_id is not None:
        spec["roomId"] = room_id
    scene = home.scenes.scenes.get(scene_id)
    if scene is None:
        home.scenes.add({**spec, "type": "lua"}, scene_id=scene_id)
        return
    if scene.get("type") != "lua":
        raise _Problem(f"scene {scene_id} is a {scene.get('type')} scene")
    if any(scene.get(k) != v for k, v in spec.items()):
        home.scenes.modify(scene_id, spec)


class _Problem(HC3Error):
    status = 400
    reason = "SCENE_FILE"
