"""Lua scenes as files (`*.scene.lua`) and as the HC3 stores them (`content`); pure code.

Theory of operation
-------------------
An HC3 keeps a Lua scene's two editor boxes in the scene's `content` string, as JSON:
`{"conditions": "<the CONDITIONS box: a Lua table or JSON>", "actions": "<the ACTIONS box: Lua>"}`.
`read_content` turns such a string into the condition tree (a Python value, checked by
scene_conditions.py) and the actions code; `make_content` writes it back. It is lenient where an
HC3 user would expect it to be: an empty content is an empty scene, content that is not that JSON is
all actions, conditions may be a Lua table literal or JSON (never run: headers_literal.py parses
literals only) or already an object.

A scene file of a project folder (docs/scenes.md) is Lua that an HC3 user can paste:

    --%%name=Porch light follows the hall
    --%%id=20                          (optional: else the id of an earlier run, else a new one)
    --%%room=Living room               (optional: a room name or id)
    --%%maxRunningInstances=2          (optional, also restart=, mode=, description=, enabled=)
    --[[CONDITIONS
    {
      operator = "all",
      conditions = {
        { type = "device", id = 5000, property = "value", operator = "==", value = true,
          isTrigger = true },
      },
    }
    ]]
    fibaro.call(5001, "turnOn")

The `--[[CONDITIONS ... ]]` block (any long-bracket level: `--[==[CONDITIONS ... ]==]`) is the
conditions box; the whole file is the actions box (the headers and the block are Lua comments, so
line numbers in tracebacks are the file's). A scene file without the block can only be started by
hand (execute, fibaro.scene). `parse_scene_file` raises `SceneSourceError` naming file and line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .headers_literal import LuaLiteralError, parse_lua_literal
from .scene_conditions import ConditionError, check_conditions

__all__ = [
    "SCENE_SUFFIX",
    "SceneSource",
    "SceneSourceError",
    "make_content",
    "parse_conditions_text",
    "parse_scene_file",
    "read_content",
]

SCENE_SUFFIX = ".scene.lua"
_HEADER = re.compile(r"^[ \t]*--%%[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*[=:][ \t]*(.*?)[ \t]*$", re.M)
_BLOCK_OPEN = re.compile(r"--\[(=*)\[CONDITIONS[ \t]*\r?\n?")
_BOOLS = {"true": True, "false": False}
_KNOWN = ("name", "id", "room", "description", "maxRunningInstances", "restart", "mode", "enabled")


class SceneSourceError(ValueError):
    """A scene that cannot be used; the message is one line (file:line: what)."""


@dataclass
class SceneSource:
    """What a scene file says."""

    path: str
    name: str
    actions: str
    conditions_text: str = ""
    conditions: Any = field(default_factory=dict)
    scene_id: int | None = None
    room: str | int | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # description, mode, restart, ...
    warnings: list[str] = field(default_factory=list)

    @property
    def content(self) -> str:
        return make_content(self.conditions_text, self.actions)


def parse_conditions_text(text: str, where: str = "conditions") -> Any:
    """The condition tree of a conditions box (Lua table literal or JSON; empty: no conditions)."""
    stripped = text.strip()
    if not stripped:
        return {}
    try:
        value = json.loads(stripped)
    except ValueError:
        try:
            value = parse_lua_literal(stripped)
        except LuaLiteralError as error:
            raise SceneSourceError(f"{where}: not a Lua table: {error}") from None
    try:
        check_conditions(value, where)
    except ConditionError as error:
        raise SceneSourceError(str(error)) from None
    return value


def make_content(conditions_text: str, actions: str) -> str:
    """The HC3's `content` of a Lua scene."""
    return json.dumps({"conditions": conditions_text, "actions": actions})


def read_content(content: str, where: str = "content") -> tuple[Any, str]:
    """(condition tree, actions code) of a Lua scene's `content`; SceneSourceError if bad."""
    if not content.strip():
        return {}, ""
    try:
        data = json.loads(content)
    except ValueError:
        return {}, content
    if not isinstance(data, dict) or not ({"actions", "conditions"} & set(data)):
        return {}, content
    actions = data.get("actions", "")
    if not isinstance(actions, str):
        raise SceneSourceError(f"{where}: actions must be a string of Lua code")
    conditions = data.get("conditions", "")
    if isinstance(conditions, str):
        return parse_conditions_text(conditions, f"{where}: conditions"), actions
    try:
        check_conditions(conditions, f"{where}: conditions")
    except ConditionError as error:
        raise SceneSourceError(str(error)) from None
    return conditions, actions


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def parse_scene_file(text: str, path: str) -> SceneSource:
    """A `*.scene.lua` file (see the module docstring)."""
    headers: dict[str, str] = {}
    warnings: list[str] = []
    for m in _HEADER.finditer(text):
        key, value = m.group(1), m.group(2)
        if key not in _KNOWN:
            warnings.append(f"{path}:{_line_of(text, m.start())}: unknown scene header '{key}'")
            continue
        headers[key] = value
    conditions_text = ""
    conditions: Any = {}
    block = _BLOCK_OPEN.search(text)
    if block is not None:
        closing = "]" + block.group(1) + "]"
        end = text.find(closing, block.end())
        line = _line_of(text, block.start())
        if end < 0:
            raise SceneSourceError(f"{path}:{line}: the CONDITIONS block has no closing {closing}")
        conditions_text = text[block.end() : end].strip("\r\n")
        conditions = parse_conditions_text(conditions_text, f"{path}:{line}: CONDITIONS")
    stem = path.rsplit("/", 1)[-1]
    stem = stem[: -len(SCENE_SUFFIX)] if stem.lower().endswith(SCENE_SUFFIX) else stem
    source = SceneSource(path, headers.get("name") or stem, text, conditions_text, conditions,
                         warnings=warnings)  # fmt: skip
    if "id" in headers:
        if not headers["id"].isdigit() or int(headers["id"]) <= 0:
            raise SceneSourceError(f"{path}: --%%id must be a positive integer")
        source.scene_id = int(headers["id"])
    if "room" in headers:
        room = headers["room"].strip("\"'")
        source.room = int(room) if room.isdigit() else room
    for key in ("description", "mode"):
        if key in headers:
            source.settings[key] = headers[key]
    if source.settings.get("mode", "automatic") not in ("automatic", "manual"):
        raise SceneSourceError(f"{path}: --%%mode must be automatic or manual")
    if "maxRunningInstances" in headers:
        value = headers["maxRunningInstances"]
        if not value.isdigit() or int(value) < 1:
            raise SceneSourceError(f"{path}: --%%maxRunningInstances must be a number >= 1")
        source.settings["maxRunningInstances"] = int(value)
    for key in ("restart", "enabled"):
        if key in headers:
            if headers[key].lower() not in _BOOLS:
                raise SceneSourceError(f"{path}: --%%{key} must be true or false")
            source.settings[key] = _BOOLS[headers[key].lower()]
    return source
