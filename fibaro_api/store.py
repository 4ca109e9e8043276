"""The state file: SQLite in WAL mode, written only by the supervisor.

Theory of operation
-------------------
One file, `<state dir>/plua2.db`, holds what must outlive a run of `plua2 up`:

    objects(kind, key, json)              rooms, sections, globals, custom events, scenes, settings,
                                          and each device's DeviceDto without its properties
    device_properties(device_id, name, json)   one row per device property (quickAppVariables too)
    internal_storage(device_id, name, json)    QuickApp internalStorage (`/api/plugins/{id}/variables`)
    counters(name, value)                 the next ids handed out (devices, rooms, scenes ...)

Invariants:
- The supervisor is the only writer; every write method is one small transaction, committed before
  it returns, and the API answers 2xx only after it returned. A property update with its commit
  measured ~80 us on this box (NORMAL), so writes run inline in the trio loop (no thread hop, no
  reordering); with FULL it was ~3.8 ms per commit, too long to hold the loop for by default.
- Durability: WAL with `synchronous=NORMAL`. A commit has then been written (write(2)) to the WAL
  file before `commit()` returns, so it survives SIGKILL of the supervisor: the OS holds the bytes.
  Only a power cut or kernel crash may lose the last commits (they were not fsynced); pass
  `synchronous="FULL"` to fsync the WAL on every commit when that matters.
- `open_store` never modifies a file it refuses: it first opens it read-only and checks that it is
  a SQLite database (quick_check) whose schema version (PRAGMA user_version) is not newer than
  ours; only then is it reopened read-write, switched to WAL and migrated. A refusal is one
  `StateFileError` with one clear line.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_VERSION", "StateFileError", "Store", "StoredState", "open_store"]

SCHEMA_VERSION = 1
STATE_FILE = "plua2.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (kind TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL,
                                    PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS device_properties (device_id INTEGER NOT NULL, name TEXT NOT NULL,
                                              json TEXT NOT NULL, modified INTEGER NOT NULL,
                                              PRIMARY KEY (device_id, name));
CREATE TABLE IF NOT EXISTS internal_storage (device_id INTEGER NOT NULL, name TEXT NOT NULL,
                                             json TEXT NOT NULL, PRIMARY KEY (device_id, name));
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class StateFileError(Exception):
    """The state file cannot be used (corrupt, newer schema, unreadable); it was left untouched."""


@dataclass
class StoredState:
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    properties: dict[int, dict[str, tuple[Any, int]]] = field(default_factory=dict)
    internal_storage: dict[int, dict[str, Any]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _check_existing(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise StateFileError(f"cannot open state file {path}: {error}") from None
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StateFileError(
                f"state file {path} has schema version {version}, newer than this plua2 "
                f"understands ({SCHEMA_VERSION}); use a newer plua2 or another --state-dir"
            )
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise StateFileError(f"state file {path} is corrupt ({check}); it was left untouched")
    except sqlite3.DatabaseError as error:
        raise StateFileError(
            f"state file {path} is corrupt or not a plua2 state file ({error}); it was left untouched"
        ) from None
    finally:
        conn.close()


def open_store(state_dir: Path | str, synchronous: str = "NORMAL") -> Store:
    """Open (or create) the store in a state folder; `StateFileError` when it cannot be used."""
    folder = Path(state_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StateFileError(f"cannot create state folder {folder}: {error}") from None
    path = folder / STATE_FILE
    if path.exists():
        _check_existing(path)
    return Store(str(path), synchronous)


class Store:
    """Small committed transactions over the state file (or ':memory:' in unit tests)."""

    def __init__(self, path: str = ":memory:", synchronous: str = "NORMAL") -> None:
        if synchronous.upper() not in ("NORMAL", "FULL"):
            raise ValueError("synchronous must be NORMAL or FULL")
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous.upper()}")
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as error:
            raise StateFileError(f"cannot use state file {path}: {error}") from None

    def close(self) -> None:
        self._db.close()

    def _tx(self, statements: Iterable[tuple[str, tuple[Any, ...]]]) -> None:
        db = self._db
        db.execute("BEGIN")
        try:
            for sql, args in statements:
                db.execute(sql, args)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # reading ------------------------------------------------------------------------------
    def load(self) -> StoredState:
        state = StoredState()
        for kind, key, text in self._db.execute("SELECT kind, key, json FROM objects"):
            state.objects.setdefault(kind, {})[key] = json.loads(text)
        for dev, name, text, modified in self._db.execute(
            "SELECT device_id, name, json, modified FROM device_properties"
        ):
            state.properties.setdefault(dev, {})[name] = (json.loads(text), modified)
        for dev, name, text in self._db.execute(
            "SELECT device_id, name, json FROM internal_storage"
        ):
            state.internal_storage.setdefault(dev, {})[name] = json.loads(text)
        state.counters = dict(self._db.execute("SELECT name, value FROM counters").fetchall())
        return state

    # writing ------------------------------------------------------------------------------
    def put(self, kind: str, key: str | int, obj: Any) -> None:
        self._tx(
            [("INSERT OR REPLACE INTO objects VALUES (?, ?, ?)", (kind, str(key), _dumps(obj)))]
        )

    def delete(self, kind: str, key: str | int) -> None:
        self._tx([("DELETE FROM objects WHERE kind = ? AND key = ?", (kind, str(key)))])

    def put_counter(self, name: str, value: int) -> None:
        self._tx([("INSERT OR REPLACE INTO counters VALUES (?, ?)", (name, value))])

    def put_device(self, dto: dict[str, Any], modified: int) -> None:
        """A whole device: its DTO row and every property row, in one transaction."""
        head = {k: v for k, v in dto.items() if k != "properties"}
        statements: list[tuple[str, tuple[Any, ...]]] = [
            (
                "INSERT OR REPLACE INTO objects VALUES ('device', ?, ?)",
                (str(dto["id"]), _dumps(head)),
            ),
            ("DELETE FROM device_properties WHERE device_id = ?", (dto["id"],)),
        ]
        for name, value in dto.get("properties", {}).items():
            statements.append(
                (
                    "INSERT INTO device_properties VALUES (?, ?, ?, ?)",
                    (dto["id"], name, _dumps(value), modified),
                )
            )
        self._tx(statements)

    def put_device_head(self, dto: dict[str, Any]) -> None:
        head = {k: v for k, v in dto.items() if k != "properties"}
        self.put("device", dto["id"], head)

    def put_property(self, device_id: int, name: str, value: Any, modified: int) -> None:
        self._tx(
            [
                (
                    "INSERT OR REPLACE INTO device_properties VALUES (?, ?, ?, ?)",
                    (device_id, name, _dumps(value), modified),
                )
            ]
        )

    def delete_device(self, device_id: int) -> None:
        self._tx(
            [
                ("DELETE FROM objects WHERE kind = 'device' AND key = ?", (str(device_id),)),
                ("DELETE FROM device_properties WHERE device_id = ?", (device_id,)),
                ("DELETE FROM internal_storage WHERE device_id = ?", (device_id,)),
                ("DELETE FROM objects WHERE kind = 'quickAppFiles' AND key = ?", (str(device_id),)),
            ]
        )

    def put_internal(self, device_id: int, name: str, value: Any) -> None:
        self._tx(
            [
                (
                    "INSERT OR REPLACE INTO internal_storage VALUES (?, ?, ?)",
                    (device_id, name, _dumps(value)),
                )
            ]
        )

    def delete_internal(self, device_id: int, name: str | None = None) -> None:
        if name is None:
            self._tx([("DELETE FROM internal_storage WHERE device_id = ?", (device_id,))])
        else:
            self._tx(
                [
                    (
                        "DELETE FROM internal_storage WHERE device_id = ? AND name = ?",
                        (device_id, name),
                    )
                ]
            )
