"""`plua2 up --watch`, the pure part: when a save has settled, and what it asks to reload.

Theory of operation
-------------------
No I/O here: the watcher (watch.py) turns the folder into plain values and asks two questions.

1. *Has a change settled?* `Settle.observe(stamps, now)` gets the cheap stamps of the watched files
   (`path -> (mtime_ns, size, inode)`, a missing file simply absent) on every poll. It answers True
   once, when the stamps changed and then stayed the same for `settle` seconds: an editor's burst of
   writes (truncate + write, write a temp file + rename, several flushes) is one change, acted on
   after its last write. The first observation is the baseline, never a change.

2. *What must be reloaded?* A `Units` value describes the folder's reloadable units:
   `(kind, key) -> {path: digest}`, e.g. `("quickapp", "main.lua") -> {"/p/main.lua": "ab12..",
   "/p/lib.lua": "cd34.."}`: every file a unit is made of with a hash of its content (None when a
   file it names is missing). `plan_reload(old, new)` compares two of them: a unit only in `new` is
   *added*, only in `old` *removed*, in both with a different file map (a digest, a file added or
   dropped) *changed*. Units whose files kept their content are left alone, so a touch, a save
   without edits or a rewrite of identical bytes reloads nothing, and a library file shared by two
   QuickApps reloads both.

`by_kind(plan)` splits a plan into one `KindPlan` (keys only) per file kind, for the kind's
`apply`; a plan also says, per changed unit, which of its files changed (`why`), for the messages.

Invariants: `plan_reload(u, u)` is empty; the three sets of a plan are disjoint; each is sorted, so
the watcher acts in a stable order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "KindPlan",
    "ReloadPlan",
    "Settle",
    "Stamp",
    "UnitId",
    "Units",
    "by_kind",
    "changed_files",
    "plan_reload",
]

#: (mtime in ns, size, inode) of one file: cheap to read, changes on any write or rename
Stamp = tuple[int, int, int]
#: (file kind, key): ("quickapp", "main.lua"); the key is unique within its kind
UnitId = tuple[str, str]
#: every reloadable unit of the folder -> {file path: content digest, or None when missing}
Units = Mapping[UnitId, Mapping[str, str | None]]


@dataclass(frozen=True)
class ReloadPlan:
    """What a settled change asks for, by unit; empty when no content changed."""

    added: tuple[UnitId, ...] = ()
    changed: tuple[UnitId, ...] = ()
    removed: tuple[UnitId, ...] = ()
    #: changed unit -> its files that were added, changed or dropped (sorted)
    why: Mapping[UnitId, tuple[str, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def plan_reload(old: Units, new: Units) -> ReloadPlan:
    """The units added, changed (any file's content, or the set of files) and removed."""
    changed = tuple(sorted(u for u in new if u in old and dict(old[u]) != dict(new[u])))
    return ReloadPlan(
        added=tuple(sorted(unit for unit in new if unit not in old)),
        changed=changed,
        removed=tuple(sorted(unit for unit in old if unit not in new)),
        why={unit: changed_files(old[unit], new[unit]) for unit in changed},
    )


def changed_files(old: Mapping[str, str | None], new: Mapping[str, str | None]) -> tuple[str, ...]:
    """The paths whose digest differs between two file maps (a missing path counts as None)."""
    return tuple(
        sorted(p for p in {*old, *new} if p not in old or p not in new or old[p] != new[p])
    )


@dataclass(frozen=True)
class KindPlan:
    """The part of a `ReloadPlan` that concerns one file kind, as keys of that kind."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    #: changed key -> the paths of its files that changed
    why: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def by_kind(plan: ReloadPlan) -> dict[str, KindPlan]:
    """`plan` split by file kind; kinds with nothing to do are left out."""
    kinds = sorted({kind for kind, _ in (*plan.added, *plan.changed, *plan.removed)})
    return {
        kind: KindPlan(
            added=tuple(key for k, key in plan.added if k == kind),
            changed=tuple(key for k, key in plan.changed if k == kind),
            removed=tuple(key for k, key in plan.removed if k == kind),
            why={key: files for (k, key), files in plan.why.items() if k == kind},
        )
        for kind in kinds
    }


class Settle:
    """Debounce of file stamps: see the module docstring (question 1)."""

    def __init__(self, settle: float) -> None:
        self.settle = settle
        self._stamps: Mapping[str, Stamp] | None = None
        self._changed_at: float | None = None

    @property
    def pending(self) -> bool:
        """A change was seen and has not settled yet (the watcher polls faster meanwhile)."""
        return self._changed_at is not None

    def observe(self, stamps: Mapping[str, Stamp], now: float) -> bool:
        """True once per change, when `stamps` have stayed the same for `settle` seconds."""
        if self._stamps is None:
            self._stamps = dict(stamps)
            return False
        if stamps != self._stamps:
            self._stamps = dict(stamps)
            self._changed_at = now
            return False
        if self._changed_at is not None and now - self._changed_at >= self.settle:
            self._changed_at = None
            return True
        return False
