"""Ids for the files of a project folder, shared by QuickApps (quickapp_folder.py) and scenes
(scene_folder.py).

A file's id: its explicit id (`--%%id`) wins; else the id the file had in an earlier run (its
origin, remembered in the store as an object of an origin kind, key = the file name relative to
the folder); else the next free id of its kind (`Home.next_id`). Explicit ids are claimed first, so
the others never collide with them; an explicit id that is refused or claimed twice is a problem
line. `install_file` installs one file (`plua2 up --watch`) without taking the ids of the folder's
other files.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from ..fibaro_api.errors import HC3Error
from ..fibaro_api.home import Home

__all__ = ["FileId", "assign_ids", "install_file", "stored_origins"]

#: a file to give an id: (key = file name, explicit id or None, path for problem lines)
FileId = tuple[str, int | None, Any]


class _Source(Protocol):
    path: Any


S = TypeVar("S", bound=_Source)


def stored_origins(home: Home, kind: str) -> dict[str, int]:
    """File name (relative to the folder) -> the id it was installed as (store objects of `kind`)."""
    if home.store is None:
        return {}
    stored = home.store.load().objects.get(kind, {})
    return {key: int(value) for key, value in stored.items() if isinstance(value, int)}


def assign_ids(
    home: Home,
    files: Sequence[FileId],
    origins: Mapping[str, int],
    problems: list[str],
    *,
    id_kind: str,
    label: str = "id",
    refuse: Callable[[int], str | None] = lambda _id: None,
    in_use: Callable[[int], bool] = lambda _id: False,
    taken: Mapping[int, str] | None = None,
) -> dict[str, int]:
    """File name -> id, for the files that get one; problem lines are appended to `problems`.

    `id_kind`: the `Home.next_id` kind of new ids; `label`: the id's name in problem lines;
    `refuse(id)`: why an id cannot be this kind's (an explicit id is then a problem line, an origin
    is not reused), or None; `in_use(id)`: a new id must not be one of these (besides the claimed
    ones); `taken`: ids already claimed (id -> file name)."""
    ids: dict[str, int] = {}
    claimed: dict[int, str] = dict(taken or {})
    for key, wanted, path in files:  # 1. --%%id
        if wanted is None:
            continue
        if (reason := refuse(wanted)) is not None:
            problems.append(f"{path}: {label} {wanted} {reason}")
        elif wanted in claimed:
            problems.append(f"{path}: {label} {wanted} is already used by {claimed[wanted]}")
        else:
            ids[key] = wanted
            claimed[wanted] = key
    for key, wanted, _path in files:  # 2. the id of an earlier run
        stored = origins.get(key)
        if wanted is None and stored is not None and stored not in claimed:
            if refuse(stored) is None:
                ids[key] = stored
                claimed[stored] = key
    for key, wanted, _path in files:  # 3. a new id
        if wanted is None and key not in ids:
            new_id = home.next_id(id_kind)
            while new_id in claimed or in_use(new_id):
                new_id = home.next_id(id_kind)
            ids[key] = new_id
            claimed[new_id] = key
    return ids


def install_file(
    home: Home,
    origin_kind: str,
    key: str,
    source: S,
    others: Collection[str],
    assign: Callable[
        [Home, list[tuple[str, S]], dict[str, int], list[str], dict[int, str]], dict[str, int]
    ],
    install: Callable[[Home, int, S], None],
) -> tuple[int | None, list[str]]:
    """Install one file: its id (None if it could not install) and problem lines. `others`: the
    folder's other file names (their ids stay theirs); `assign` gives the ids (its last argument:
    the ids taken), `install` installs the source under its id (an HC3Error is a problem line)."""
    problems: list[str] = []
    origins = stored_origins(home, origin_kind)
    taken = {origins[other]: other for other in others if other in origins and other != key}
    file_id = assign(home, [(key, source)], origins, problems, taken).get(key)
    if file_id is None:
        return None, problems
    try:
        install(home, file_id, source)
    except HC3Error as error:
        return None, [*problems, f"{source.path}: {error.message}"]
    if origins.get(key) != file_id:
        home.persist(origin_kind, key, file_id)
    return file_id, problems
