"""install_folder without processes: ids, the remembered file -> id map, variables, bad files."""

from __future__ import annotations

from pathlib import Path

from plua2.fibaro_api.home import Home
from plua2.fibaro_api.store import open_store
from plua2.supervisor.quickapp_folder import FolderQuickApps, install_folder
from up_helpers import write_project


def _install(folder: Path, state: Path) -> tuple[Home, FolderQuickApps]:
    home = Home(open_store(state))
    return home, install_folder(home, folder)


def test_ids_sorted_explicit_first_stable_and_new_files_get_the_next(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "p", {
        "b.lua": "--%%name=B\n--%%var=x:1\n",
        "a.lua": "--%%name=A\n",
        "c.lua": "--%%name=C\n--%%id=5001\n",
        "plain.lua": "print('no headers: not a QuickApp')\n",
        "bad.lua": "--%%name=Bad\n--%%u={\n",
    })  # fmt: skip
    home, result = _install(folder, tmp_path / "s")
    assert result.files == {5000: "a.lua", 5002: "b.lua", 5001: "c.lua"}
    assert len(result.problems) == 1 and "bad.lua:2" in result.problems[0]
    assert "quickApp" in home.devices.get(5000).interfaces
    home.update_property(5002, "quickAppVariables", [{"name": "x", "value": 7}])
    assert home.store is not None
    home.store.close()

    (folder / "b.lua").write_text("--%%name=B\n--%%var=x:1\n--%%var=y:2\n")
    (folder / "0new.lua").write_text("--%%name=New\n")
    home, result = _install(folder, tmp_path / "s")
    assert result.files == {5000: "a.lua", 5002: "b.lua", 5001: "c.lua", 5003: "0new.lua"}
    variables = home.devices.get(5002).properties["quickAppVariables"]
    assert variables == [{"name": "x", "value": 7}, {"name": "y", "value": 2}]


def test_a_gone_file_keeps_its_device_but_does_not_run(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "p", {"a.lua": "--%%name=A\n", "b.lua": "--%%name=B\n"})
    home, _ = _install(folder, tmp_path / "s")
    assert home.store is not None
    home.store.close()
    (folder / "b.lua").unlink()
    home, result = _install(folder, tmp_path / "s")
    assert result.device_ids == [5000]
    assert 5001 in home.devices
    assert any("b.lua is gone" in w for w in result.warnings)


def test_an_id_of_a_plain_device_is_refused(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "p", {"a.lua": "--%%name=A\n--%%id=1\n"})
    _, result = _install(folder, tmp_path / "s")
    assert result.device_ids == []
    assert "not a QuickApp" in result.problems[0]
