"""`plua2 up --watch`: live reload of the project folder, one task in `plua2 up`'s nursery.

Theory of operation
-------------------
Detection is a small poller, not inotify/FSEvents: a `plua2 up` folder holds tens of files, and
`stat` of a hundred files every `POLL` seconds costs well under a millisecond, needs no
dependency, and works where kernel notifications do not (Docker bind mounts from macOS and
Windows, network shares, some editors' atomic saves). It runs in a worker thread
(`trio.to_thread`), so a slow file system never stalls the API.

1. Stamps: every `POLL` s (`FAST_POLL` while a change settles) the watcher takes `(mtime_ns, size,
   inode)` of every visible top-level file of the folder (so new files are seen) and of every file
   a unit is made of (a `--%%file` may live in a subfolder). `watch_plan.Settle` says when a change
   has settled (`SETTLE` s without a further write): an editor's bursts are one change.
2. Units: then each file kind (`KINDS`) lists its units (`FileKind.units`: key -> its files), and
   every file is hashed. `watch_plan.plan_reload` compares with the previous units: only units
   whose *content* changed are reloaded (a touch does nothing).
3. Actions: the kind applies the plan in the supervisor's trio thread (`FileKind.apply`): reload
   what was added or changed, stop what was removed. What it does is told through `Reporter.tell`:
   one line on stderr (`plua2 up: ...`), one line in the console (`/api/debugMessages`, tag
   `plua2`, error level for errors) and a `reload` item on the dashboard's live hub (a toast).

A save reaches its worker in about POLL + SETTLE + FAST_POLL (~0.45 s) plus the worker's start.

File kinds: `KINDS` maps a kind name to a factory `(WatchContext) -> FileKind`. QuickApps are
`watch_quickapps.QuickAppReload`, Lua scenes `watch_scenes.SceneReload`; another kind of file
plugs in with one more entry (each kind has its own keys: units are `(kind, key)`).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import trio

from ..fibaro_api.home import Home
from ..webui import live
from .log_format import printer
from .quickapp_workers import QuickAppWorkers
from .watch_plan import KindPlan, ReloadPlan, Settle, Stamp, UnitId, Units, by_kind, plan_reload
from .watch_quickapps import QuickAppReload
from .watch_scenes import SceneReload

__all__ = [
    "ENV_VAR",
    "FAST_POLL",
    "KINDS",
    "POLL",
    "SETTLE",
    "FileKind",
    "Reporter",
    "WatchContext",
    "scan_stamps",
    "scan_units",
    "watch_folder",
]

log = logging.getLogger("plua2.watch")

#: `plua2 up --watch` from the environment (1/true/yes/on)
ENV_VAR = "PLUA2_WATCH"
#: seconds between two looks at the folder when nothing is happening
POLL = 0.25
#: seconds between two looks while a change settles
FAST_POLL = 0.05
#: seconds without a further write before a change is acted on
SETTLE = 0.15


class Reporter:
    """Tells the user what the watcher did: stderr, the console and the dashboard."""

    def __init__(self, home: Home) -> None:
        self.home = home

    def tell(
        self,
        text: str,
        *,
        unit: UnitId,
        ok: bool = True,
        device_id: int | None = None,
        action: str = "",
    ) -> None:
        level = "info" if ok else "error"
        if not printer.json:  # in JSON the console line below is printed already
            printer.say(text, level=level)
        self.home.console.add(device_id, "debug" if ok else "error", "plua2", text)
        kind, key = unit
        live.publish("reload", {"kind": kind, "file": key, "id": device_id, "ok": ok,
                                "action": action, "message": text})  # fmt: skip


@dataclass
class WatchContext:
    """What a file kind may use to reload its units (all of it lives in the trio thread)."""

    home: Home
    workers: QuickAppWorkers
    folder: Path
    reporter: Reporter
    #: the scene workers (scene_workers.SceneWorkers), when scenes run
    scenes: Any = None


class FileKind(Protocol):
    """One kind of reloadable file (QuickApps, scenes...)."""

    def units(self, folder: Path) -> dict[str, list[Path]]:
        """Key -> the files of each unit of this kind in `folder`. Runs in a worker thread: it
        may read files, never touch the home."""
        ...

    def apply(self, plan: KindPlan, present: Collection[str]) -> None:
        """Reload `plan.added` and `plan.changed`, unload `plan.removed` (keys of this kind);
        `present`: every key of this kind now in the folder. Runs in the trio thread."""
        ...


#: kind name -> factory; add a line here for a new kind of file
KINDS: dict[str, Callable[[WatchContext], FileKind]] = {
    "quickapp": QuickAppReload,
    "scene": SceneReload,
}


def _visible(name: str) -> bool:
    return not name.startswith(".") and not name.endswith("~")


def scan_stamps(folder: Path, files: Iterable[str]) -> dict[str, Stamp]:
    """Stamps of the folder's visible top-level files and of `files` (missing ones left out)."""
    stamps: dict[str, Stamp] = {}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if _visible(entry.name) and entry.is_file():
                    try:
                        st = entry.stat()
                    except OSError:
                        continue
                    stamps[entry.path] = (st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        pass
    for path in files:
        if path not in stamps:
            try:
                st = os.stat(path)
            except OSError:
                continue
            stamps[path] = (st.st_mtime_ns, st.st_size, st.st_ino)
    return stamps


def _digest(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.blake2b(handle.read(), digest_size=16).hexdigest()
    except OSError:
        return None


def scan_units(folder: Path, kinds: dict[str, FileKind]) -> Units:
    """Every unit of every kind with a digest of each of its files."""
    units: dict[UnitId, dict[str, str | None]] = {}
    for name, kind in kinds.items():
        try:
            found = kind.units(folder)
        except Exception:
            log.exception("watch: cannot list the %s files of %s", name, folder)
            continue
        for key, paths in found.items():
            units[(name, key)] = {str(p): _digest(str(p)) for p in paths}
    return units


def _files_of(units: Units) -> set[str]:
    return {path for files in units.values() for path in files}


async def watch_folder(
    context: WatchContext,
    *,
    kinds: dict[str, FileKind] | None = None,
    task_status: trio.TaskStatus[trio.CancelScope] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Watch `context.folder` until cancelled (`nursery.start` gives the scope that ends it,
    once the baseline is taken); see the module docstring."""
    with trio.CancelScope() as scope:
        await _watch(context, kinds, scope, task_status)


async def _watch(
    context: WatchContext,
    kinds: dict[str, FileKind] | None,
    scope: trio.CancelScope,
    task_status: trio.TaskStatus[trio.CancelScope],
) -> None:
    folder = context.folder
    active = kinds if kinds is not None else {name: make(context) for name, make in KINDS.items()}
    units = await trio.to_thread.run_sync(scan_units, folder, active)
    settle = Settle(SETTLE)
    stamps = await trio.to_thread.run_sync(scan_stamps, folder, _files_of(units))
    settle.observe(stamps, trio.current_time())
    task_status.started(scope)
    while True:
        await trio.sleep(FAST_POLL if settle.pending else POLL)
        stamps = await trio.to_thread.run_sync(scan_stamps, folder, _files_of(units))
        if not settle.observe(stamps, trio.current_time()):
            continue
        new_units = await trio.to_thread.run_sync(scan_units, folder, active)
        plan = plan_reload(units, new_units)
        units = new_units
        if plan:
            _apply(plan, units, active)


def _apply(plan: ReloadPlan, units: Units, kinds: dict[str, FileKind]) -> None:
    for name, part in by_kind(plan).items():
        kind = kinds.get(name)
        if kind is None:
            continue
        present = {key for kind_name, key in units if kind_name == name}
        try:
            kind.apply(part, present)
        except Exception:
            log.exception("watch: cannot reload %s files", name)
