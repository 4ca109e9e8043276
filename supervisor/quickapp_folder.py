"""The QuickApps of a project folder, installed as devices in the home model.

Theory of operation
-------------------
`install_folder(home, folder)` is what `plua2 up DIR` does before any worker starts. Pure model
work: it reads files and changes the `Home`, it starts nothing.

- A QuickApp of the folder is a top-level `*.lua` file with at least one `--%%` header line, or a
  `*.fqa` file. A file named in another QuickApp's `--%%file` is that QuickApp's file, not a
  QuickApp of its own. Files are taken in sorted name order.
- Device ids: a `--%%id` wins; else the id this file had in an earlier run (remembered in the store
  as objects of kind `quickAppSource`, key = the file name relative to the folder); else the next
  free QuickApp id (5000 upward, `Home.next_id`). Explicit ids are claimed first, so the others
  never collide with them. An id held by a plain device, or claimed twice, is a problem line.
- First run of a file: the device is created from the source (`quickapps.create_quickapp`).
  Later runs update it: name, type, the UI and other initial properties and the files come from the
  file again (the code on disk is the truth), interfaces are added, but `quickAppVariables` keep
  their stored values (as an HC3 keeps a QuickApp's variables); a variable that is new in the
  headers is added with its header value. Children, internalStorage and other properties stay.
- A bad file is one problem line (`file:line: what`), the others still install. A file that failed
  this run does not run with the code of an earlier run. A QuickApp device whose file is gone from
  the folder stays in the home but does not run (one line says so). QuickApp devices that never
  came from a file (imported or created through the API) run as they are.

`install_quickapp(home, key, source, others)` is the same for one file at a time (`plua2 up
--watch`: a new or edited QuickApp file); `others` are the folder's other QuickApp files, whose
ids it must not take.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..fibaro_api.errors import HC3Error
from ..fibaro_api.headers import parse_headers
from ..fibaro_api.home import Home
from ..fibaro_api.quickapp_errors import QuickAppSourceError
from ..fibaro_api.quickapp_project import load_quickapp
from ..fibaro_api.quickapp_source import QuickAppSource, read_text
from ..fibaro_api.quickapps import create_quickapp, file_entry
from . import folder_ids
from .folder_ids import assign_ids, install_file

__all__ = [
    "ORIGIN_KIND",
    "FolderQuickApps",
    "find_quickapp_files",
    "install_folder",
    "install_quickapp",
    "stored_origins",
]

#: store object kind: file name (relative to the folder) -> device id
ORIGIN_KIND = "quickAppSource"
_HEADER_LINE = re.compile(r"^\s*--%%", re.MULTILINE)


@dataclass
class FolderQuickApps:
    """What `install_folder` did: the QuickApp devices to run, and what to tell the user."""

    #: every QuickApp device to run, folder ones first (sorted file order), then API-made ones
    device_ids: list[int] = field(default_factory=list)
    #: device id -> file name, for the folder's QuickApps
    files: dict[int, str] = field(default_factory=dict)
    #: one line each: files that did not install
    problems: list[str] = field(default_factory=list)
    #: one line each: header warnings and the like
    warnings: list[str] = field(default_factory=list)


def find_quickapp_files(folder: Path) -> tuple[list[Path], list[str]]:
    """The QuickApp files of a folder (sorted), and problem lines for unreadable candidates."""
    problems: list[str] = []
    candidates: list[Path] = []
    included: set[Path] = set()
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.lower().endswith(".scene.lua"):
            continue  # a Lua scene is not a QuickApp (scene_folder.py)
        suffix = path.suffix.lower()
        if suffix == ".fqa":
            candidates.append(path)
        elif suffix == ".lua":
            try:
                text = read_text(path)
            except QuickAppSourceError as error:
                problems.append(str(error))
                continue
            if not _HEADER_LINE.search(text):
                continue
            candidates.append(path)
            try:
                headers = parse_headers(text, str(path))
            except QuickAppSourceError:
                continue  # reported when the file is loaded
            for written, _name in headers.files:
                target = Path(written)
                if not target.is_absolute():
                    target = path.parent / target
                included.add(target.resolve())
    return [p for p in candidates if p.resolve() not in included], problems


def install_folder(home: Home, folder: Path) -> FolderQuickApps:
    """Create or update a device for every QuickApp of `folder`; see the module docstring."""
    result = FolderQuickApps()
    paths, result.problems = find_quickapp_files(folder)
    sources: list[tuple[str, QuickAppSource]] = []
    failed: set[str] = set()
    for path in paths:
        key = path.name
        try:
            source = load_quickapp(path)
        except QuickAppSourceError as error:
            result.problems.append(str(error))
            failed.add(key)
            continue
        result.warnings.extend(source.warnings)
        sources.append((key, source))
    origins = stored_origins(home)
    ids = _assign_ids(home, sources, origins, result.problems)
    for key, source in sources:
        device_id = ids.get(key)
        if device_id is None:
            failed.add(key)
            continue
        try:
            _install(home, device_id, source)
        except HC3Error as error:
            result.problems.append(f"{source.path}: {error.message}")
            failed.add(key)
            continue
        if origins.get(key) != device_id:
            home.persist(ORIGIN_KIND, key, device_id)
        result.device_ids.append(device_id)
        result.files[device_id] = key
    running = set(result.device_ids)
    from_files = {device_id: key for key, device_id in origins.items()}
    for device in home.devices:
        if "quickApp" not in device.interfaces or device.id in running:
            continue
        key = from_files.get(device.id)
        if key is None:
            result.device_ids.append(device.id)
        elif key not in failed and ids.get(key) != device.id:
            result.warnings.append(
                f"QuickApp {device.id} ({device.dto.get('name')}): its file {key} is gone "
                "from the folder; the device stays but does not run"
            )
    return result


def install_quickapp(
    home: Home, key: str, source: QuickAppSource, others: Collection[str] = ()
) -> tuple[int | None, list[str]]:
    """Install one QuickApp file as `install_folder` would: its device id (None if it could not
    install) and problem lines. `others`: the folder's other QuickApp file names (their ids stay
    theirs)."""
    return install_file(home, ORIGIN_KIND, key, source, others, _assign_ids, _install)


def stored_origins(home: Home) -> dict[str, int]:
    """File name (relative to the folder) -> the device id it was installed as."""
    return folder_ids.stored_origins(home, ORIGIN_KIND)


def _assign_ids(
    home: Home,
    sources: list[tuple[str, QuickAppSource]],
    origins: dict[str, int],
    problems: list[str],
    taken: dict[int, str] | None = None,
) -> dict[str, int]:
    def not_a_quickapp(device_id: int) -> str | None:
        device = home.devices.find(device_id)
        if device is not None and "quickApp" not in device.interfaces:
            return f"belongs to device '{device.dto.get('name')}', which is not a QuickApp"
        return None

    files = [(key, source.device_id, source.path) for key, source in sources]
    return assign_ids(
        home, files, origins, problems, id_kind="quickApp", refuse=not_a_quickapp, taken=taken
    )


def _install(home: Home, device_id: int, source: QuickAppSource) -> None:
    files = [file_entry(f.to_fqa()) for f in source.files]
    props = copy.deepcopy(source.initial_properties)
    device = home.devices.find(device_id)
    if device is None:
        create_quickapp(
            home,
            source.name,
            source.type,
            properties=props,
            interfaces=list(source.initial_interfaces),
            files=files,
            device_id=device_id,
        )
        return
    if device.dto.get("name") != source.name:
        home.modify_device(device_id, {"name": source.name})
    if device.dto.get("type") != source.type:
        device.dto["type"] = source.type
        home.devices.touch(device)
        if home.store is not None:
            home.store.put_device_head(device.dto)
    props["quickAppVariables"] = _merge_variables(
        device.properties.get("quickAppVariables"), props.get("quickAppVariables")
    )
    for name, value in props.items():
        home.update_property(device_id, name, value)
    home.set_interfaces(device_id, ["quickApp", *source.initial_interfaces], add=True)
    if home.quickapp_files.get(device_id) != files:
        home.set_quickapp_files(device_id, files)


def _merge_variables(stored: Any, from_headers: Any) -> list[Any]:
    """Stored quickAppVariables win; header variables not stored yet are appended."""
    kept = [v for v in stored if isinstance(v, dict)] if isinstance(stored, list) else []
    names = {v.get("name") for v in kept}
    for variable in from_headers or []:
        if isinstance(variable, dict) and variable.get("name") not in names:
            kept.append(variable)
    return kept
