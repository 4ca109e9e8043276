"""`plua2 init DIR`: the files it writes, refusal without --force, --force, bad input (in-process,
through `plua2.cli.main`, except one real `plua2 init` subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from plua2.fibaro_api.project import load_project
from plua2.fibaro_api.quickapp_project import load_quickapp
from plua2.supervisor.init_command import TYPES_DIR, annotation_files

from plua2.cli import COMMANDS, build_parser
from plua2.cli import main as cli_main

PROJECT_FILES = {
    "main.lua",
    "plua2.toml",
    "README.md",
    ".gitignore",
    ".luarc.json",
    ".vscode/tasks.json",
    ".vscode/settings.json",
    ".vscode/extensions.json",
}


def init(*args: str | Path) -> int:
    return cli_main(["init", *map(str, args)])


def files_of(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_creates_a_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "kitchen-light"
    assert init(project) == 0
    types = {f"{TYPES_DIR}/{name}" for name in annotation_files()}
    assert files_of(project) == PROJECT_FILES | types
    assert "plua2 up" in capsys.readouterr().out


def test_main_file_headers(tmp_path: Path) -> None:
    assert init(tmp_path / "p", "--name", "Kitchen light") == 0
    source = load_quickapp(tmp_path / "p" / "main.lua")
    assert source.name == "Kitchen light"
    assert source.type == "com.fibaro.binarySwitch"
    assert source.quick_app_variables == [{"name": "greeting", "value": "Hello from plua2"}]
    assert {c["callback"] for c in source.ui_callbacks} - {""} == {"turnOn", "turnOff"}
    assert source.warnings == ()
    text = (tmp_path / "p" / "main.lua").read_text()
    assert "function QuickApp:onInit()" in text and 'self:updateProperty("value", value)' in text
    assert "self:setValue(true)" in text


def test_name_defaults_to_the_folder(tmp_path: Path) -> None:
    assert init(tmp_path / "garden") == 0
    assert load_quickapp(tmp_path / "garden" / "main.lua").name == "garden"


def test_name_is_taken_as_typed(tmp_path: Path) -> None:
    assert init(tmp_path / "p", "--name", "Lamp @TYPE@ 50%") == 0
    assert load_quickapp(tmp_path / "p" / "main.lua").name == "Lamp @TYPE@ 50%"


def test_type_without_prefix_and_numeric_value(tmp_path: Path) -> None:
    assert init(tmp_path / "p", "--type", "multilevelSwitch") == 0
    source = load_quickapp(tmp_path / "p" / "main.lua")
    assert source.type == "com.fibaro.multilevelSwitch"
    assert "self:setValue(99)" in (tmp_path / "p" / "main.lua").read_text()


def test_plua2_toml_loads(tmp_path: Path) -> None:
    assert init(tmp_path / "p", "--name", 'The "best" QA') == 0
    config = load_project(tmp_path / "p" / "plua2.toml")
    assert config.settings["hcName"] == 'The "best" QA home'
    assert [r["name"] for r in config.rooms] == ["Living room", "Kitchen"]
    assert config.globals == {"HouseMode": "Home"}
    assert config.devices[0]["id"] == 100


def test_editor_files(tmp_path: Path) -> None:
    project = tmp_path / "p"
    assert init(project) == 0
    luarc = json.loads((project / ".luarc.json").read_text())
    assert luarc["runtime.version"] == "Lua 5.3"
    assert luarc["workspace.library"] == [TYPES_DIR]
    assert (project / TYPES_DIR / "fibaro.lua").read_text().startswith("---@meta")
    settings = json.loads((project / ".vscode" / "settings.json").read_text())
    assert settings["Lua.workspace.library"] == [TYPES_DIR]
    assert json.loads((project / ".vscode" / "extensions.json").read_text()) == {
        "recommendations": ["sumneko.lua"]
    }
    ignored = (project / ".gitignore").read_text().split()
    assert ".plua2/" in ignored and ".env" in ignored


def test_tasks_call_real_plua2_commands(tmp_path: Path) -> None:
    """Every task is `plua2 <a subcommand>` whose arguments that subcommand's parser accepts."""
    assert init(tmp_path / "p") == 0
    tasks = json.loads((tmp_path / "p" / ".vscode" / "tasks.json").read_text())["tasks"]
    commands = {t["label"]: t["args"] for t in tasks}
    assert set(commands) == {
        "plua2: up",
        "plua2: run",
        "plua2: check",
        "plua2: upload",
        "plua2: update",
    }
    assert commands["plua2: upload"] == ["hc3", "upload", "${file}"]
    assert commands["plua2: update"] == ["hc3", "update", "${input:deviceId}", "${file}"]
    for task in tasks:
        assert task["command"] == "plua2"
        args = task["args"]
        if args[0] not in COMMANDS:
            pytest.fail(f"task {task['label']!r}: plua2 has no command {args[0]!r}")
        concrete = [
            a.replace("${input:deviceId}", "5001")
            .replace("${workspaceFolder}", "/project")
            .replace("${file}", "/project/main.lua")
            for a in args
        ]
        build_parser(args[0]).parse_args(concrete)  # SystemExit if the arguments are wrong


def test_refuses_existing_files_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "main.lua").write_text("-- mine\n")
    assert init(project) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "main.lua" in err and "--force" in err
    assert files_of(project) == {"main.lua"}
    assert (project / "main.lua").read_text() == "-- mine\n"


def test_force_replaces(tmp_path: Path) -> None:
    project = tmp_path / "p"
    assert init(project, "--name", "First") == 0
    assert init(project, "--name", "Second") == 2
    assert load_quickapp(project / "main.lua").name == "First"
    assert init(project, "--name", "Second", "--force") == 0
    assert load_quickapp(project / "main.lua").name == "Second"


def test_types_only_refreshes_the_annotations(tmp_path: Path) -> None:
    project = tmp_path / "p"
    assert init(project) == 0
    (project / "main.lua").write_text("-- edited\n")
    (project / TYPES_DIR / "fibaro.lua").write_text("-- stale\n")
    assert init(project, "--types-only") == 0
    assert (project / "main.lua").read_text() == "-- edited\n"
    assert (project / TYPES_DIR / "fibaro.lua").read_text() == annotation_files()["fibaro.lua"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", ""], "--name must not be empty"),
        (["--name", "two\nlines"], "one line"),
        (["--name", "x" * 101], "longer than"),
        (["--type", "bad type"], "is not a device type"),
        (["--type", "org.example.thing"], "is not a device type"),
    ],
)
def test_bad_input_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert init(tmp_path / "p", *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("plua2 init: ") and err.count("\n") == 1 and message in err
    assert not (tmp_path / "p").exists()


def test_dir_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert init(target) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_the_installed_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "plua2", "init", str(tmp_path / "p")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "p" / "main.lua").is_file()
