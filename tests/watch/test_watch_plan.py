"""`plua2 up --watch` without a plua2 up: the pure plan and debounce (watch_plan.py), the QuickApp
units of a folder (watch_quickapps.py), the scans, and the trio loop over a fake file kind."""

from __future__ import annotations

import os
import time
from collections.abc import Collection
from functools import partial
from pathlib import Path

import trio
from plua2.supervisor.watch import (
    FAST_POLL,
    POLL,
    SETTLE,
    FileKind,
    WatchContext,
    scan_stamps,
    scan_units,
    watch_folder,
)
from plua2.supervisor.watch_plan import KindPlan, ReloadPlan, Settle, by_kind, plan_reload
from plua2.supervisor.watch_quickapps import quickapp_units

A = ("quickapp", "a.lua")
B = ("quickapp", "b.lua")
S = ("scene", "s.lua")
UNITS = {
    A: {"/p/a.lua": "a1", "/p/lib.lua": "l1"},
    B: {"/p/b.lua": "b1", "/p/lib.lua": "l1"},
    S: {"/p/s.lua": "s1"},
}


def _with(unit: tuple[str, str], path: str, digest: str | None) -> dict:
    units = {u: dict(files) for u, files in UNITS.items()}
    units[unit][path] = digest
    return units


# --- plan_reload ------------------------------------------------------------------------------


def test_same_units_plan_nothing() -> None:
    plan = plan_reload(UNITS, {u: dict(f) for u, f in UNITS.items()})
    assert not plan
    assert plan == ReloadPlan()


def test_a_changed_main_file_reloads_that_unit_only() -> None:
    plan = plan_reload(UNITS, _with(A, "/p/a.lua", "a2"))
    assert plan.changed == (A,) and not plan.added and not plan.removed
    assert plan.why == {A: ("/p/a.lua",)}


def test_a_shared_library_reloads_every_unit_that_uses_it() -> None:
    new = {u: dict(f) for u, f in UNITS.items()}
    new[A]["/p/lib.lua"] = new[B]["/p/lib.lua"] = "l2"
    plan = plan_reload(UNITS, new)
    assert plan.changed == (A, B)
    assert plan.why == {A: ("/p/lib.lua",), B: ("/p/lib.lua",)}


def test_a_file_added_to_or_dropped_from_a_unit_changes_it() -> None:
    assert plan_reload(UNITS, _with(A, "/p/extra.lua", "e1")).changed == (A,)
    dropped = {u: dict(f) for u, f in UNITS.items()}
    del dropped[A]["/p/lib.lua"]
    assert plan_reload(UNITS, dropped).why == {A: ("/p/lib.lua",)}


def test_a_library_that_goes_missing_changes_its_unit() -> None:
    assert plan_reload(UNITS, _with(A, "/p/lib.lua", None)).changed == (A,)


def test_new_and_gone_units() -> None:
    new = {u: dict(f) for u, f in UNITS.items() if u != B}
    new[("quickapp", "c.lua")] = {"/p/c.lua": "c1"}
    plan = plan_reload(UNITS, new)
    assert plan.added == (("quickapp", "c.lua"),)
    assert plan.removed == (B,)
    assert plan.changed == ()


def test_the_plan_splits_by_kind() -> None:
    new = _with(S, "/p/s.lua", "s2")
    new[A]["/p/a.lua"] = "a2"
    del new[B]
    assert by_kind(plan_reload(UNITS, new)) == {
        "quickapp": KindPlan(changed=("a.lua",), removed=("b.lua",), why={"a.lua": ("/p/a.lua",)}),
        "scene": KindPlan(changed=("s.lua",), why={"s.lua": ("/p/s.lua",)}),
    }
    assert by_kind(ReloadPlan()) == {}


# --- Settle -----------------------------------------------------------------------------------

ONE = {"/p/a.lua": (1, 10, 7)}
TWO = {"/p/a.lua": (2, 12, 7)}


def test_the_first_look_is_the_baseline() -> None:
    settle = Settle(0.15)
    assert not settle.observe(ONE, 0.0)
    assert not settle.observe(ONE, 10.0)
    assert not settle.pending


def test_a_change_is_acted_on_once_after_it_settles() -> None:
    settle = Settle(0.25)
    settle.observe(ONE, 0.0)
    assert not settle.observe(TWO, 1.0)
    assert settle.pending
    assert not settle.observe(TWO, 1.125)
    assert settle.observe(TWO, 1.25)
    assert not settle.pending
    assert not settle.observe(TWO, 2.0)


def test_a_burst_of_writes_is_one_change_after_the_last_write() -> None:
    settle = Settle(0.25)
    settle.observe(ONE, 0.0)
    stamps = [{"/p/a.lua": (n, n, 7)} for n in range(3, 8)]
    for n, stamp in enumerate(stamps):
        assert not settle.observe(stamp, 1.0 + n * 0.125)  # each write restarts the wait
    assert not settle.observe(stamps[-1], 1.5 + 0.125)
    assert settle.observe(stamps[-1], 1.5 + 0.25)


def test_a_new_or_deleted_file_is_a_change() -> None:
    settle = Settle(0.1)
    settle.observe(ONE, 0.0)
    settle.observe({**ONE, "/p/b.lua": (1, 1, 8)}, 1.0)
    assert settle.observe({**ONE, "/p/b.lua": (1, 1, 8)}, 1.2)
    settle.observe(ONE, 2.0)
    assert settle.observe(ONE, 2.2)


# --- the QuickApps of a folder ----------------------------------------------------------------


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "lib").mkdir()
    (tmp_path / "a.lua").write_text("--%%name=A\n--%%file=lib/util.lua,util\n--%%file=x.lua,x\n")
    (tmp_path / "lib" / "util.lua").write_text("U = 1\n")
    (tmp_path / "b.lua").write_text("--%%name=B\n--%%id=oops\n")  # a bad header
    (tmp_path / "plain.lua").write_text("print('no headers: not a QuickApp')\n")
    (tmp_path / "c.fqa").write_text('{"name": "C", "type": "com.fibaro.binarySwitch"}')
    return tmp_path


def test_quickapp_units_are_main_files_with_their_libraries(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    assert quickapp_units(folder) == {
        # a missing --%%file is listed where it would be found, so its creation is seen
        "a.lua": [folder / "a.lua", folder / "lib" / "util.lua", folder / "x.lua"],
        "b.lua": [folder / "b.lua"],
        "c.fqa": [folder / "c.fqa"],
    }


def test_a_library_in_the_folder_is_not_a_unit_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "a.lua").write_text("--%%name=A\n--%%file=lib.lua,lib\n")
    (tmp_path / "lib.lua").write_text("--%%name=looks like a header\nL = 1\n")
    assert quickapp_units(tmp_path) == {"a.lua": [tmp_path / "a.lua", tmp_path / "lib.lua"]}


class FakeKind:
    """A file kind over the folder's `*.txt` files that records what it is asked to do."""

    def __init__(self) -> None:
        self.plans: list[tuple[KindPlan, set[str]]] = []
        self.applied = trio.Event()

    def units(self, folder: Path) -> dict[str, list[Path]]:
        return {p.name: [p] for p in sorted(folder.glob("*.txt"))}

    def apply(self, plan: KindPlan, present: Collection[str]) -> None:
        self.plans.append((plan, set(present)))
        self.applied.set()
        self.applied = trio.Event()


def test_scans_digest_content_and_skip_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one")
    (tmp_path / ".swap").write_text("x")
    (tmp_path / "sub").mkdir()
    kinds = {"fake": FakeKind()}
    before = scan_units(tmp_path, kinds)  # type: ignore[dict-item]
    os.utime(tmp_path / "a.txt", (1, 1))
    assert scan_units(tmp_path, kinds) == before  # type: ignore[dict-item]
    stamps = scan_stamps(tmp_path, [str(tmp_path / "sub" / "lib.lua")])
    assert set(stamps) == {str(tmp_path / "a.txt")}
    (tmp_path / "sub" / "lib.lua").write_text("L = 1")
    assert str(tmp_path / "sub" / "lib.lua") in scan_stamps(
        tmp_path, [str(tmp_path / "sub" / "lib.lua")]
    )


async def test_the_watch_loop_reloads_a_changed_file_once_and_ignores_a_touch(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.txt").write_text("one")
    (tmp_path / "b.txt").write_text("two")
    fake = FakeKind()
    context = WatchContext(None, None, tmp_path, None)  # type: ignore[arg-type]
    async with trio.open_nursery() as nursery:
        kinds: dict[str, FileKind] = {"fake": fake}
        scope = await nursery.start(partial(watch_folder, context, kinds=kinds))
        with trio.fail_after(5):
            for text in ("o", "on", "one!"):  # a burst of writes, as editors do
                (tmp_path / "a.txt").write_text(text)
                await trio.sleep(0.02)
            saved = time.monotonic()
            await fake.applied.wait()
            assert time.monotonic() - saved < POLL + SETTLE + FAST_POLL + 0.5
            await trio.sleep(POLL + SETTLE + 2 * FAST_POLL)
            assert fake.plans == [
                (KindPlan(changed=("a.txt",), why={"a.txt": (str(tmp_path / "a.txt"),)}),
                 {"a.txt", "b.txt"}),
            ]  # fmt: skip
            os.utime(tmp_path / "b.txt")  # a touch
            (tmp_path / "a.txt").write_text("one!")  # the same bytes again
            await trio.sleep(POLL + SETTLE + 2 * FAST_POLL)
            assert len(fake.plans) == 1
            (tmp_path / "b.txt").unlink()
            (tmp_path / "c.txt").write_text("three")
            await fake.applied.wait()
            assert fake.plans[1] == (KindPlan(added=("c.txt",), removed=("b.txt",)),
                                     {"a.txt", "c.txt"})  # fmt: skip
        scope.cancel()
