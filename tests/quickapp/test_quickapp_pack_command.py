"""`plua2 pack` / `plua2 unpack` (plua2.supervisor.pack_command): files, messages, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from plua2.supervisor import pack_command
from quickapp_helpers import EXAMPLES

from plua2 import cli

PANEL = EXAMPLES / "panel" / "main.lua"
EXPORT = EXAMPLES / "hc3_export.fqa"


@pytest.fixture
def plua2(monkeypatch: pytest.MonkeyPatch) -> Any:
    """`plua2 ...` as the CLI will run it once COMMANDS maps pack and unpack to this module."""
    commands = {}  # only ours: the other subcommands are not this test's business
    commands["pack"] = ("plua2.supervisor.pack_command", "pack a QuickApp into an .fqa")
    commands["unpack"] = ("plua2.supervisor.pack_command", "unpack an .fqa into a folder")
    monkeypatch.setattr(cli, "COMMANDS", commands)
    return lambda *argv: cli.main([str(a) for a in argv])


def test_pack_writes_the_fqa(plua2: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "panel.fqa"
    assert plua2("pack", PANEL, "-o", out) == 0
    fqa = json.loads(out.read_text())
    assert fqa["name"] == "UI Panel" and [f["name"] for f in fqa["files"]] == ["main", "utils"]
    assert f"into {out}" in capsys.readouterr().out


def test_pack_defaults_to_the_source_name_and_replaces(plua2: Any, tmp_path: Path) -> None:
    main = tmp_path / "qa.lua"
    main.write_text("--%%name=Q\nprint(1)\n")
    (tmp_path / "qa.fqa").write_text("old")
    assert plua2("pack", main) == 0
    assert json.loads((tmp_path / "qa.fqa").read_text())["name"] == "Q"


def test_pack_to_stdout(plua2: Any, capsys: Any) -> None:
    assert plua2("pack", PANEL, "-o", "-") == 0
    assert json.loads(capsys.readouterr().out)["type"] == "com.fibaro.binarySwitch"


def test_pack_warnings_go_to_stderr(plua2: Any, tmp_path: Path, capsys: Any) -> None:
    main = tmp_path / "qa.lua"
    main.write_text("--%%name=Q\n--%%colour=red\n")
    assert plua2("pack", main, "-o", tmp_path / "q.fqa") == 0
    err = capsys.readouterr().err
    assert err == f"warning: {main}:2: unknown directive --%%colour; ignored\n"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (None, "no such file"),
        ("--%%name=A\n--%%var=x:{1,\n", "qa.lua:2: --%%var: bad Lua value"),
        ("--%%file=nope.lua,nope\n", "--%%file nope.lua: no such file"),
    ],
)
def test_pack_bad_input_is_one_line_and_status_2(
    plua2: Any, tmp_path: Path, capsys: Any, text: str | None, fragment: str
) -> None:
    main = tmp_path / "qa.lua"
    if text is not None:
        main.write_text(text)
    out = tmp_path / "qa.fqa"
    assert plua2("pack", main, "-o", out) == 2
    err = capsys.readouterr().err
    assert err.startswith("plua2 pack: ") and err.count("\n") == 1 and fragment in err
    assert not out.exists()


def test_unpack_writes_main_and_files(plua2: Any, tmp_path: Path, capsys: Any) -> None:
    assert plua2("unpack", EXPORT, tmp_path / "out") == 0
    main = (tmp_path / "out" / "main.lua").read_text()
    assert main.startswith("--%%name=Hall light\n--%%type=com.fibaro.binarySwitch\n")
    assert "--%%file=utils.lua,utils\n" in main and "--%%var=port:80\n" in main
    assert (tmp_path / "out" / "utils.lua").read_text().startswith("Utils = {}")
    captured = capsys.readouterr()
    assert "main.lua, utils.lua" in captured.out
    assert "warning: apiVersion 1.2 becomes 1.3" in captured.err


def test_unpack_then_pack_round_trips_byte_for_byte(plua2: Any, tmp_path: Path) -> None:
    first, second = tmp_path / "first.fqa", tmp_path / "second.fqa"
    assert plua2("pack", PANEL, "-o", first) == 0
    assert plua2("unpack", first, tmp_path / "dir") == 0
    assert plua2("pack", tmp_path / "dir" / "main.lua", "-o", second) == 0
    assert first.read_bytes() == second.read_bytes()


def test_unpack_never_overwrites_without_force(plua2: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "main.lua").write_text("my work")
    assert plua2("unpack", EXPORT, out) == 2
    err = capsys.readouterr().err
    assert "main.lua: already exists (use --force to replace)" in err
    assert (out / "main.lua").read_text() == "my work"
    assert not (out / "utils.lua").exists()  # nothing written at all
    assert plua2("unpack", EXPORT, out, "--force") == 0
    assert (out / "main.lua").read_text().startswith("--%%name=Hall light")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "no such file"),
        ("not json", "not JSON (line 1, column 1"),
        ('{"name": "x"}', "type: expected a non-empty string"),
        ('{"name": "x", "type": "t", "files": []}', "files: expected a non-empty list"),
    ],
)
def test_unpack_bad_input_is_one_line_and_status_2(
    plua2: Any, tmp_path: Path, capsys: Any, content: str | None, fragment: str
) -> None:
    fqa = tmp_path / "bad.fqa"
    if content is not None:
        fqa.write_text(content)
    assert plua2("unpack", fqa, tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert err.startswith("plua2 unpack: ") and err.count("\n") == 1 and fragment in err
    assert not (tmp_path / "out").exists()


def test_unpack_into_a_file_is_refused(plua2: Any, tmp_path: Path, capsys: Any) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    assert plua2("unpack", EXPORT, target) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_help_documents_overwriting(plua2: Any, capsys: Any) -> None:
    with pytest.raises(SystemExit):
        plua2("unpack", "--help")
    assert "--force" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        plua2("pack", "--help")
    assert "replaced" in capsys.readouterr().out


def test_runs_as_a_module(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "plua2.supervisor.pack_command", "unpack", "nope.fqa", tmp_path],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr == "plua2 unpack: nope.fqa: no such file\n"
    ok = subprocess.run(
        [sys.executable, "-m", "plua2.supervisor.pack_command", "pack", PANEL, "-o", "-"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0 and json.loads(ok.stdout)["name"] == "UI Panel"


def test_main_dispatches_without_the_prog_hint(tmp_path: Path) -> None:
    import argparse

    args = argparse.Namespace(
        command="unpack", fqa=str(EXPORT), directory=str(tmp_path), force=False
    )
    assert pack_command.main(args) == 0
