"""docs/workflows/*.yml say what plua2 can do: commands, flags, port and variables that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from plua2.cli import COMMANDS, build_parser

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / "docs" / "workflows"


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())  # type: ignore[no-any-return]


def run_lines(workflow: dict[str, Any]) -> list[str]:
    return [line.strip() for job in workflow["jobs"].values() for step in job["steps"]
            for line in str(step.get("run", "")).splitlines()]  # fmt: skip


@pytest.mark.parametrize("name", ["plua2-pytest.yml", "plua2-docker-service.yml"])
def test_plua2_commands_parse(name: str) -> None:
    for line in run_lines(load(name)):
        if line.startswith("plua2 "):
            argv = shlex.split(line.replace('"$RUNNER_TEMP', '"/tmp'))[1:]
            assert argv[0] in COMMANDS, line
            build_parser(argv[0]).parse_args(argv)  # SystemExit on an unknown flag


def test_the_service_matches_the_image() -> None:
    service = load("plua2-docker-service.yml")["jobs"]["test"]["services"]["hc3"]
    dockerfile = (REPO / "docker" / "Dockerfile").read_text()
    assert re.search(r"^EXPOSE 8888$", dockerfile, re.MULTILINE)
    assert service["ports"] == ["8888:8888"]
    for variable in service["env"]:
        assert variable in (REPO / "supervisor" / "up_command.py").read_text(), variable
    assert "/project" in dockerfile and "COPY --chown=1000:1000 . /project" in str(
        load("plua2-docker-service.yml")["jobs"]["image"]
    )


def test_the_tests_reach_the_service_through_the_plugin() -> None:
    job = load("plua2-docker-service.yml")["jobs"]["test"]
    [step] = [s for s in job["steps"] if str(s.get("run", "")).startswith("pytest")]
    assert step["env"]["PLUA2_URL"] == "http://localhost:8888"
    plugin = (REPO / "plua2" / "testing" / "__init__.py").read_text()
    assert '"PLUA2_URL"' in plugin and '"--plua2-url"' in plugin
