"""`plua2 up --watch` for QuickApps: which files make a QuickApp, and what a change of them does.

Theory of operation
-------------------
`QuickAppReload` is the watcher's file kind `quickapp` (watch.py). A unit is one QuickApp file of
the folder, keyed by its file name as `install_folder` keys it (`quickapp_folder.py`): its files are
the main file (`*.lua` with `--%%` headers, or `*.fqa`) and, for a `.lua`, every `--%%file` it
names (where `quickapp_source` would look for it; a missing one too, so its creation is seen).

A unit that was added or changed is checked first exactly as `plua2 check` checks it (headers
parsed, every file compiled as Lua 5.3, nothing run). If that fails, NOTHING changes: the device
keeps its files and its worker keeps running the previous code; each error is told as one
`file:line: message` line. If it passes, the QuickApp is installed again
(`quickapp_folder.install_quickapp`: same id rules as at start-up). Its worker is then restarted by
the model watcher of `QuickAppWorkers`, which restarts a QuickApp whose files changed (and only
that one); when the files did not change (a file came back as it was) the worker is only started
if it was not running. A new QuickApp file gets a device and a worker the same way.

A QuickApp file that disappears stops its worker; the device stays, with its files and variables,
as after a start-up without that file (and as an HC3 keeps a QuickApp whose source is gone); when
the file comes back, the same device runs it again. If `--%%id` changes, the new id is installed and
the old id's worker is stopped.
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from ..fibaro_api.headers import parse_headers
from ..fibaro_api.quickapp_errors import QuickAppSourceError
from ..fibaro_api.quickapp_project import load_quickapp
from ..fibaro_api.quickapp_source import read_text
from .check_command import UsageError, check
from .policy import RESTING_STATES
from .quickapp_folder import find_quickapp_files, install_quickapp, stored_origins
from .watch_plan import KindPlan

if TYPE_CHECKING:
    from .watch import WatchContext

__all__ = ["KIND", "QuickAppReload", "quickapp_units"]

KIND = "quickapp"


def quickapp_units(folder: Path) -> dict[str, list[Path]]:
    """File name -> [main file, its --%%file files] for every QuickApp file of `folder`."""
    paths, _problems = find_quickapp_files(folder)
    units: dict[str, list[Path]] = {}
    for path in paths:
        files = [path]
        if path.suffix.lower() == ".lua":
            try:
                headers = parse_headers(read_text(path), str(path))
            except QuickAppSourceError:
                headers = None  # a bad header: the main file alone until it is fixed
            for written, _name in headers.files if headers is not None else ():
                files.append(_library_path(path, written))
        units[path.name] = files
    return units


def _library_path(main: Path, written: str) -> Path:
    """Where quickapp_source looks for a `--%%file` (the first candidate when none exists)."""
    relative = Path(written)
    if relative.is_absolute():
        return relative
    beside = main.parent / relative
    return relative if not beside.is_file() and relative.is_file() else beside


class QuickAppReload:
    """The `quickapp` file kind of the watcher; see the module docstring."""

    def __init__(self, context: WatchContext) -> None:
        self.context = context

    def units(self, folder: Path) -> dict[str, list[Path]]:
        return quickapp_units(folder)

    def apply(self, plan: KindPlan, present: Collection[str]) -> None:
        for key in plan.removed:
            self._removed(key)
        for key in plan.added:
            self._reload(key, present, ())
        for key in plan.changed:
            self._reload(key, present, plan.why.get(key, ()))

    def _tell(self, text: str, key: str, ok: bool, device_id: int | None, action: str) -> None:
        self.context.reporter.tell(
            text, unit=(KIND, key), ok=ok, device_id=device_id, action=action
        )

    def _shown(self, path: str) -> str:
        """A path as the user sees it: relative to the project folder when inside it."""
        try:
            return str(Path(path).relative_to(self.context.folder))
        except ValueError:
            return path

    def _removed(self, key: str) -> None:
        device_id = stored_origins(self.context.home).get(key)
        table = self.context.workers.table
        if device_id is None or device_id not in table:
            return
        if table.get(device_id).state not in RESTING_STATES:
            table.stop(device_id)
        self._tell(f"{key} is gone: QuickApp {device_id} stopped (the device stays)",
                   key, True, device_id, "stopped")  # fmt: skip

    def _reload(self, key: str, present: Collection[str], why: Collection[str]) -> None:
        home, folder = self.context.home, self.context.folder
        path = folder / key
        old_id = stored_origins(home).get(key)
        try:
            errors = check([path]).errors
        except UsageError:
            return  # gone again before we looked: the next scan says so
        if errors:  # the device keeps its files, its worker the code it runs
            for line in errors:
                self._tell(line, key, False, old_id, "error")
            return
        try:
            source = load_quickapp(path)
        except QuickAppSourceError as error:
            self._tell(str(error), key, False, old_id, "error")
            return
        before = copy.deepcopy(home.quickapp_files.get(old_id)) if old_id is not None else None
        device_id, problems = install_quickapp(home, key, source, present)
        for line in problems:
            self._tell(line, key, False, device_id or old_id, "error")
        if device_id is None:
            return
        workers = self.context.workers
        if old_id is not None and old_id != device_id and old_id in workers.table:
            workers.table.stop(old_id)
            self._tell(f"{key}: now QuickApp {device_id}; QuickApp {old_id} stopped",
                       key, True, old_id, "stopped")  # fmt: skip
            before = None
        if before is not None and before == home.quickapp_files.get(device_id):
            task_state = workers.table.get(device_id).state if device_id in workers.table else None
            if task_state is None or task_state in RESTING_STATES:
                workers.ensure_running(device_id)
                self._tell(f"{key}: QuickApp {device_id} started", key, True, device_id,
                           "started")  # fmt: skip
            return  # same code as the worker runs: nothing to restart
        if device_id in workers.table:
            names = [self._shown(path) for path in why] or [key]
            text = f"{', '.join(names)} changed: QuickApp {device_id} ({key}) restarted"
            action = "restarted"
        else:
            text = f"{key}: QuickApp {device_id} installed and started"
            action = "installed"
        self._tell(text, key, True, device_id, action)
