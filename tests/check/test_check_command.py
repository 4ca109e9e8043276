"""`plua2 check`: headers and Lua syntax of every QuickApp, file:line messages, exit 0/1/2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from plua2.cli import main as plua2

REPO = Path(__file__).resolve().parents[2]

GOOD_MAIN = """--%%name=Good
--%%type=com.fibaro.binarySwitch
--%%file=lib/util.lua,util
--%%budget=2.5
--%%maxMemory=16
function QuickApp:onInit() self:debug(greeting()) end
"""
GOOD_UTIL = "function greeting()\n  return 'hello'\nend\n"


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def fqa(files: dict[str, str]) -> str:
    return json.dumps({
        "name": "Packed", "type": "com.fibaro.binarySwitch", "apiVersion": "1.3",
        "initialInterfaces": [], "initialProperties": {},
        "files": [{"name": name, "isMain": name == "main", "isOpen": False, "type": "lua",
                   "content": content} for name, content in files.items()],
    })  # fmt: skip


def run_check(capsys: pytest.CaptureFixture[str], *paths: Path) -> tuple[int, list[str], str]:
    status = plua2(["check", *map(str, paths)])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def test_a_good_project_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"main.lua": GOOD_MAIN, "lib/util.lua": GOOD_UTIL,
                     "packed.fqa": fqa({"main": "function QuickApp:onInit() end"}),
                     "notes.lua": "-- no headers: not a QuickApp, not checked (\n"})  # fmt: skip
    status, lines, err = run_check(capsys, tmp_path)
    assert (status, lines) == (0, [])
    assert "2 QuickApp(s), 0 error(s), 0 warning(s)" in err


def test_the_example_projects_pass(capsys: pytest.CaptureFixture[str]) -> None:
    examples = REPO / "examples"
    status, lines, _ = run_check(capsys, examples / "home", examples / "ci",
                                 examples / "quickapps" / "panel" / "main.lua")  # fmt: skip
    assert (status, lines) == (0, [])


def test_warnings_alone_pass_and_are_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"main.lua": "--%%name=W\n--%%frobnicate=1\nfunction QuickApp:onInit() end\n"})
    status, lines, _ = run_check(capsys, tmp_path)
    assert status == 0
    assert lines == [
        f"{tmp_path / 'main.lua'}:2: warning: unknown directive --%%frobnicate; ignored"
    ]


def test_a_bad_header_value_is_an_error_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"main.lua": "--%%name=Bad\n\n--%%var=x:{1,\nfunction QuickApp:onInit() end\n"})
    status, lines, _ = run_check(capsys, tmp_path)
    assert status == 1
    assert len(lines) == 1 and lines[0].startswith(f"{tmp_path / 'main.lua'}:3: --%%var")


def test_bad_plua2_directive_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main = "--%%name=B\n--%%budget=soon\n--%%maxMemory=-1\n"
    write(tmp_path, {"main.lua": main})
    status, lines, _ = run_check(capsys, tmp_path / "main.lua")
    assert status == 1
    path = tmp_path / "main.lua"
    assert lines == [
        f"{path}:2: --%%budget=soon: expected a positive number of seconds",
        f"{path}:3: --%%maxMemory=-1: expected a positive whole number of MiB",
    ]


def test_a_syntax_error_in_a_secondary_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = "function greeting()\n  return 'hello' ..\nend\n"
    write(tmp_path, {"main.lua": GOOD_MAIN, "lib/util.lua": broken})
    status, lines, _ = run_check(capsys, tmp_path)
    assert status == 1
    assert lines == [f"{tmp_path / 'lib' / 'util.lua'}:3: unexpected symbol near 'end'"]


def test_a_syntax_error_in_the_main_file_counts_header_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"main.lua": "--%%name=M\n--%%type=com.fibaro.binarySwitch\nlocal = 1\n"})
    status, lines, _ = run_check(capsys, tmp_path / "main.lua")
    assert status == 1
    assert lines == [f"{tmp_path / 'main.lua'}:3: <name> expected near '='"]


def test_lua_5_4_syntax_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"main.lua": "--%%name=M\nlocal x <const> = 1\n"})
    status, lines, _ = run_check(capsys, tmp_path)
    assert status == 1 and lines[0].startswith(f"{tmp_path / 'main.lua'}:2: ")


def test_a_bad_fqa(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"syntax.fqa": fqa({"main": "x = 1", "lib": "\n\nx = = 2"}),
                     "notjson.fqa": "{nope"})  # fmt: skip
    status, lines, err = run_check(capsys, tmp_path)
    assert status == 1
    assert lines[0].startswith(f"{tmp_path / 'notjson.fqa'}: not JSON")
    assert lines[1] == f"{tmp_path / 'syntax.fqa'}[lib]:3: unexpected symbol near '='"
    assert "2 QuickApp(s), 2 error(s)" in err


def test_a_folder_without_quickapps_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, _ = run_check(capsys, tmp_path)
    assert status == 1 and "no QuickApps" in lines[0]


def test_a_missing_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, err = run_check(capsys, tmp_path / "nope")
    assert (status, lines) == (2, [])
    assert err.strip() == f"plua2 check: {tmp_path / 'nope'}: no such file or folder"


def test_the_command_line_exit_status(tmp_path: Path) -> None:
    write(tmp_path, {"main.lua": "--%%name=M\nlocal = 1\n"})
    done = subprocess.run([sys.executable, "-m", "plua2", "check", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 1
    assert done.stdout == f"{tmp_path / 'main.lua'}:2: <name> expected near '='\n"
    missing = subprocess.run([sys.executable, "-m", "plua2", "check"],
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert missing.returncode == 2
