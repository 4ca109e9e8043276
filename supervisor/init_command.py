"""`plua2 init DIR [--name NAME] [--type TYPE] [--force] [--types-only]`: a new QuickApp project.

Theory of operation
-------------------
`plan_project(directory, name, device_type)` decides every file and its text and writes nothing;
`write_project(plan, force)` checks the whole plan before it writes the first file, so a refused
init leaves the folder exactly as it was. `main` turns a `InitError` into one line on stderr and
exit status 2 (bad input, or files that exist without `--force`).

What a project holds (the templates are package data in `lua_runtime/templates/`, the Lua
language-server annotations in `lua_runtime/annotations/`):

    main.lua                 the QuickApp: headers (name, type, a var, a UI row) and working code
    plua2.toml               the emulated home (docs/plua2-toml.md)
    README.md                how to run, check and upload it
    .gitignore               the state folder (.plua2/) and .env (a real HC3's credentials)
    .luarc.json              lua-language-server: Lua 5.3, the annotations as a library
    .vscode/tasks.json       plua2 up / run / check, plua2 hc3 upload / update
    .vscode/settings.json    the same language-server settings for VS Code, *.fqa as JSON
    .vscode/extensions.json  recommends the Lua extension (sumneko.lua)
    .plua2-types/*.lua       the `---@meta` annotations of the whole QuickApp API

Templates are filled by plain replacement of `@NAME@`, `@TYPE@`, ... (no template language: the
files are Lua, JSON and TOML whose own braces and `${...}` must pass through untouched).
`--types-only` writes only `.plua2-types/` (always replacing it: it is plua2's, not the user's),
to refresh the annotations after an upgrade.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = [
    "DEFAULT_TYPE",
    "TYPES_DIR",
    "InitError",
    "ProjectPlan",
    "add_arguments",
    "annotation_files",
    "main",
    "plan_project",
    "write_project",
]

EXIT_OK, EXIT_BAD_INPUT = 0, 2
DEFAULT_TYPE = "com.fibaro.binarySwitch"
#: the folder of the annotation files inside a project
TYPES_DIR = ".plua2-types"

#: template (in lua_runtime/templates/) -> file of the project
_TEMPLATES = {
    "main.lua": "main.lua",
    "plua2.toml": "plua2.toml",
    "README.md": "README.md",
    "gitignore": ".gitignore",
    "luarc.json": ".luarc.json",
    "vscode/tasks.json": ".vscode/tasks.json",
    "vscode/settings.json": ".vscode/settings.json",
    "vscode/extensions.json": ".vscode/extensions.json",
}
#: device types whose `value` is a number (turnOn sets 99), the others get true / false
_NUMERIC_VALUE = frozenset(
    "multilevelSwitch rollerShutter remoteBaseShutter colorController multilevelSensor "
    "temperatureSensor humiditySensor lightSensor windSensor rainSensor powerMeter energyMeter "
    "seismometer".split()
)
_TYPE = re.compile(r"(?:com\.fibaro\.)?([a-z][A-Za-z0-9]*)")
_MAX_NAME = 100
_PLACEHOLDER = re.compile(r"@[A-Z_]+@")


class InitError(Exception):
    """Bad input or a refused write: one line for the user (exit status 2)."""


@dataclass(frozen=True)
class ProjectPlan:
    directory: Path
    #: path relative to `directory` (posix) -> text
    files: dict[str, str]
    #: files that are always replaced (the annotations), relative paths
    owned: frozenset[str] = frozenset()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Create a QuickApp project in DIR (created if missing): main.lua with headers, plua2.toml, "
        "VS Code tasks and Lua language-server annotations of the QuickApp API. Existing files "
        "are never replaced without --force. Exit status 2 on bad input."
    )
    parser.add_argument("dir", metavar="DIR", help="the project folder")
    parser.add_argument("--name", help="the QuickApp's name (default: the folder's name)")
    parser.add_argument("--type", dest="device_type", default=DEFAULT_TYPE, metavar="TYPE",
                        help=f"the device type (default {DEFAULT_TYPE}; 'com.fibaro.' may be left out)")  # fmt: skip
    parser.add_argument("--force", action="store_true", help="replace existing files")
    parser.add_argument("--types-only", action="store_true",
                        help=f"only write (refresh) the annotations in DIR/{TYPES_DIR}/")  # fmt: skip


def main(args: argparse.Namespace) -> int:
    try:
        directory = Path(args.dir)
        if args.types_only:
            plan = ProjectPlan(directory, {}, frozenset())
            plan = _with_annotations(plan)
        else:
            name = args.name if args.name is not None else _default_name(directory)
            plan = plan_project(directory, name, args.device_type)
        written = write_project(plan, force=args.force)
    except InitError as exc:
        print(f"plua2 init: {exc}", file=sys.stderr, flush=True)
        return EXIT_BAD_INPUT
    if args.types_only:
        print(f"wrote {len(written)} annotation files into {directory / TYPES_DIR}")
    else:
        print(f"created a QuickApp project in {directory} ({len(written)} files)")
        print(f"  plua2 up {directory}    runs it; the dashboard is on http://127.0.0.1:8888/")
    return EXIT_OK


def plan_project(directory: Path, name: str, device_type: str = DEFAULT_TYPE) -> ProjectPlan:
    """Every file of a new project and its text. InitError for a bad name or type."""
    name = _check_name(name)
    device_type = _check_type(device_type)
    numeric = device_type.rsplit(".", 1)[-1] in _NUMERIC_VALUE
    values = {
        "@NAME@": name,
        "@NAME_TOML@": json.dumps(name + " home", ensure_ascii=False),
        "@TYPE@": device_type,
        "@ON@": "99" if numeric else "true",
        "@OFF@": "0" if numeric else "false",
        "@TYPES@": TYPES_DIR,
    }
    templates = resources.files("plua2.lua_runtime").joinpath("templates")
    files: dict[str, str] = {}
    for template, target in _TEMPLATES.items():
        text = templates.joinpath(template).read_text(encoding="utf-8")
        # one pass, so a name that contains "@TYPE@" stays as it was typed
        files[target] = _PLACEHOLDER.sub(lambda m: values.get(m.group(), m.group()), text)
    return _with_annotations(ProjectPlan(directory, files))


def annotation_files() -> dict[str, str]:
    """The `---@meta` annotation files shipped with plua2: file name -> text."""
    folder = resources.files("plua2.lua_runtime").joinpath("annotations")
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".lua")
    }


def write_project(plan: ProjectPlan, force: bool = False) -> list[Path]:
    """Write the plan's files; InitError (before anything is written) when DIR is not a folder or
    a file other than the annotations exists and `force` is false. Returns the files written."""
    directory = plan.directory
    if directory.exists() and not directory.is_dir():
        raise InitError(f"{directory} exists and is not a folder")
    if not force:
        existing = [
            rel for rel in plan.files if rel not in plan.owned and (directory / rel).exists()
        ]
        if existing:
            raise InitError(
                f"{directory} already has {', '.join(existing)}; use --force to replace"
                + (" them" if len(existing) > 1 else " it")
            )
    written: list[Path] = []
    try:
        for rel, text in plan.files.items():
            path = directory / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                raise InitError(f"{path} is a folder")
            path.write_text(text, encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise InitError(f"{exc.filename or directory}: {exc.strerror}") from None
    return written


def _with_annotations(plan: ProjectPlan) -> ProjectPlan:
    files = dict(plan.files)
    owned = set(plan.owned)
    for file_name, text in annotation_files().items():
        rel = f"{TYPES_DIR}/{file_name}"
        files[rel] = text
        owned.add(rel)
    return ProjectPlan(plan.directory, files, frozenset(owned))


def _default_name(directory: Path) -> str:
    name = directory.resolve().name
    return name or "QuickApp"


def _check_name(name: str) -> str:
    stripped = name.strip()
    if not stripped:
        raise InitError("--name must not be empty")
    if any(ord(c) < 32 or ord(c) == 127 for c in stripped):
        raise InitError("--name must be one line of text (no control characters)")
    if len(stripped) > _MAX_NAME:
        raise InitError(f"--name is longer than {_MAX_NAME} characters")
    return stripped


def _check_type(device_type: str) -> str:
    match = _TYPE.fullmatch(device_type.strip())
    if match is None:
        raise InitError(
            f"--type {device_type!r} is not a device type (e.g. com.fibaro.binarySwitch)"
        )
    return "com.fibaro." + match.group(1)
