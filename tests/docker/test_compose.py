"""docker/Dockerfile and the compose files agree (no podman needed: the files are parsed).

The Dockerfile is the reference: its EXPOSE port, its PLUA2_* variables (each one `plua2 up`
really reads), its /data volume and the /project folder of its ENTRYPOINT. Every service of
docker/compose.yaml and docker/compose.farm.yaml must build that Dockerfile, publish that
container port, set only those variables (PLUA2_PORT equal to the published container port,
PLUA2_STATE_DIR equal to the volume) and mount the project and a named volume on those paths. The
farm's HC3s differ in host port and data volume.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "docker"
COMPOSE_FILES = [DOCKER / "compose.yaml", DOCKER / "compose.farm.yaml"]
FARM = DOCKER / "compose.farm.yaml"


def dockerfile_instructions(path: Path = DOCKER / "Dockerfile") -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order; continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


def env_of(args: str) -> dict[str, str]:
    """ENV k=v k2="v 2" ... (the key=value form)."""
    return {key: value.strip('"') for key, value in re.findall(r'(\w+)=("[^"]*"|\S+)', args)}


class Dockerfile:
    def __init__(self) -> None:
        self.instructions = dockerfile_instructions()
        self.env: dict[str, str] = {}
        self.volumes: list[str] = []
        self.exposed: list[int] = []
        self.copies: list[list[str]] = []
        for keyword, args in self.instructions:
            if keyword == "ENV":
                self.env.update(env_of(args))
            elif keyword == "VOLUME":
                self.volumes += json.loads(args) if args.startswith("[") else args.split()
            elif keyword == "EXPOSE":
                self.exposed += [int(port.split("/")[0]) for port in args.split()]
            elif keyword == "COPY":
                self.copies.append([a for a in args.split() if not a.startswith("--")])
        self.entrypoint: list[str] = json.loads(self.last("ENTRYPOINT"))
        self.user = self.last("USER")
        self.healthcheck = self.last("HEALTHCHECK")

    def last(self, keyword: str) -> str:
        found = [args for kw, args in self.instructions if kw == keyword]
        assert found, f"docker/Dockerfile has no {keyword}"
        return found[-1]

    @property
    def project_dir(self) -> str:
        """The DIR of `plua2 up DIR` in the ENTRYPOINT."""
        up = self.entrypoint.index("up")
        return self.entrypoint[up + 1]

    @property
    def plua2_env(self) -> dict[str, str]:
        return {k: v for k, v in self.env.items() if k.startswith("PLUA2_")}


def env_read_by_plua2_up() -> set[str]:
    source = (REPO / "supervisor" / "up_command.py").read_text()
    return set(re.findall(r"\bPLUA2_[A-Z_]+\b", source))


def load_compose(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def service_env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def port_pairs(service: dict[str, Any]) -> list[tuple[int, int]]:
    """(host port, container port) of every published port (short syntax or long)."""
    pairs = []
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            pairs.append((int(entry["published"]), int(entry["target"])))
            continue
        parts = str(entry).split("/")[0].split(":")
        assert len(parts) >= 2, f"publish a host port explicitly: {entry!r}"
        pairs.append((int(parts[-2]), int(parts[-1])))
    return pairs


_MOUNT = re.compile(r"^(?P<source>\$\{[^}]*\}[^:]*|[^:]+):(?P<target>[^:]+)(?::(?P<mode>[\w,]+))?$")


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """container path -> source (a named volume or a host path, `${...}` kept as written)."""
    found = {}
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            found[entry["target"]] = entry["source"]
            continue
        match = _MOUNT.match(entry)
        assert match, f"cannot read the volume entry {entry!r}"
        found[match["target"]] = match["source"]
    return found


@pytest.fixture(scope="module")
def dockerfile() -> Dockerfile:
    return Dockerfile()


def test_dockerfile_is_self_consistent(dockerfile: Dockerfile) -> None:
    env = dockerfile.plua2_env
    assert dockerfile.exposed == [int(env["PLUA2_PORT"])]
    assert env["PLUA2_STATE_DIR"] in dockerfile.volumes
    assert env["PLUA2_HOST"] == "0.0.0.0", "the image serves beyond its own loopback"
    assert set(env) <= env_read_by_plua2_up(), "every PLUA2_* variable is one plua2 up reads"
    assert {"PLUA2_HOST", "PLUA2_PORT", "PLUA2_STATE_DIR", "PLUA2_USER", "PLUA2_PASSWORD"} <= set(
        env
    )
    assert dockerfile.entrypoint[:4] == ["tini", "--", "plua2", "up"], dockerfile.entrypoint
    assert dockerfile.user not in ("root", "0", "")
    assert ["examples/home", dockerfile.project_dir] in dockerfile.copies
    # HEALTHCHECK: /plua/health on the configured port with the configured credentials.
    for needle in ("/plua/health", "PLUA2_PORT", "PLUA2_USER", "PLUA2_PASSWORD", "127.0.0.1"):
        assert needle in dockerfile.healthcheck
    assert dockerfile.last("FROM").startswith("python:3.11-slim")


def test_dockerfile_copies_every_package_folder(dockerfile: Dockerfile) -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    folders = set(pyproject["tool"]["setuptools"]["package-dir"].values())
    copied = {copy[0] for copy in dockerfile.copies}
    assert folders <= copied, f"COPY missing for {sorted(folders - copied)}"
    assert {"pyproject.toml", "README.md"} <= {src for copy in dockerfile.copies for src in copy}


def test_dockerignore_keeps_state_history_and_caches_out() -> None:
    patterns = {
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for pattern in (".git", "**/.plua2", "**/__pycache__", ".venv", ".pytest_cache"):
        assert pattern in patterns
    for needed in ("examples", "plua2", "supervisor", "pyproject.toml", "README.md"):
        assert needed not in patterns


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_compose_matches_dockerfile(path: Path, dockerfile: Dockerfile) -> None:
    compose = load_compose(path)
    image_env = dockerfile.plua2_env
    port = dockerfile.exposed[0]
    state_dir = image_env["PLUA2_STATE_DIR"]
    services = compose["services"]
    assert services
    for name, service in services.items():
        build = service["build"]
        assert (path.parent / build["context"]).resolve() == REPO, name
        assert (path.parent / build["context"] / build["dockerfile"]).resolve() == (
            DOCKER / "Dockerfile"
        ), name
        env = service_env(service)
        assert set(env) <= set(image_env), f"{name}: unknown {sorted(set(env) - set(image_env))}"
        pairs = port_pairs(service)
        assert [target for _, target in pairs] == [port], f"{name}: container port {port}"
        assert int(env.get("PLUA2_PORT", image_env["PLUA2_PORT"])) == port, name
        assert env.get("PLUA2_STATE_DIR", state_dir) == state_dir, name
        if "PLUA2_HOST" in env:
            assert env["PLUA2_HOST"] == "0.0.0.0", f"{name}: a published port needs 0.0.0.0"
        mounted = mounts(service)
        assert dockerfile.project_dir in mounted, f"{name}: no project mounted"
        data = mounted.get(state_dir)
        assert data in (compose.get("volumes") or {}), f"{name}: {state_dir} is a named volume"


def test_farm_hc3s_differ_in_host_port_and_data_volume(dockerfile: Dockerfile) -> None:
    services = load_compose(FARM)["services"]
    assert len(services) >= 2
    state_dir = dockerfile.plua2_env["PLUA2_STATE_DIR"]
    host_ports = [host for s in services.values() for host, _ in port_pairs(s)]
    data = [mounts(s)[state_dir] for s in services.values()]
    projects = [mounts(s)[dockerfile.project_dir] for s in services.values()]
    assert len(set(host_ports)) == len(host_ports), host_ports
    assert len(set(data)) == len(data), data
    assert len(set(projects)) == len(projects), projects
