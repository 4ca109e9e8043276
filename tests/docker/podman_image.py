"""Build and run docker/Dockerfile with rootful Podman from Debian (no Docker engine, no registry).

Theory of operation (after ../shared/recipes/container-tests.md):
- `Podman(cache_dir, conf_dir)` runs `podman` with a test-only configuration written to
  `conf_dir` (runc, cgroupfs, file events, nofile/nproc limits, the host's CA bundle mounted in
  every container so `RUN pip install` passes the HTTPS proxy). Its storage lives in `cache_dir`
  (default /var/tmp/plua2-podman, env PLUA2_PODMAN_CACHE): the host's own podman storage is never
  touched, and what is slow to make survives from one run to the next.
- `ensure_base()` makes the image the Dockerfile's FROM names when it is missing: a Debian
  bookworm rootfs (debootstrap, minbase + python3, pip, venv; ~50 s, kept as rootfs.tar) imported as
  `localhost/plua2-debian-python:bookworm`, then a two-line stand-in built under the exact FROM
  name (Debian's Python 3.11 linked into /usr/local/bin, no EXTERNALLY-MANAGED). It is made under
  an exclusive file lock, so two test runs never build it twice. It is never removed.
- Everything else a test makes (images, containers, volumes) carries a per-run name from `names()`
  and the label `plua2-test=docker`; `remove()` deletes them by name, `sweep()` removes what a
  killed earlier run left (by label), the base excepted.
- No bridge network: builds and containers use `--network host` (the bridge would change the
  host's ip_forward and firewall). Tests pick a free loopback port for PLUA2_PORT.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "docker" / "Dockerfile"
CACHE_DIR = Path(os.environ.get("PLUA2_PODMAN_CACHE", "/var/tmp/plua2-podman"))
DEBIAN_BASE = "localhost/plua2-debian-python:bookworm"
LABEL = "plua2-test=docker"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
DEFAULT_MIRROR = "http://deb.debian.org/debian"

STAND_IN = """\
FROM {base}
LABEL plua2-test-base=stand-in
ENV LANG=C.UTF-8
RUN rm -f /usr/lib/python3*/EXTERNALLY-MANAGED \\
    && ln -sf /usr/bin/python3 /usr/local/bin/python \\
    && ln -sf /usr/bin/pip3 /usr/local/bin/pip
CMD ["python3"]
"""


class PodmanError(RuntimeError):
    pass


def missing_tools() -> list[str]:
    """What this machine lacks to run the image tests (empty list: all there)."""
    missing = [tool for tool in ("podman", "runc") if shutil.which(tool) is None]
    if os.geteuid() != 0:
        missing.append("root (rootful podman)")
    return missing


def dockerfile_from(dockerfile: Path = DOCKERFILE) -> str:
    """The image the Dockerfile's (first) FROM names, fully qualified as podman stores it."""
    for line in dockerfile.read_text().splitlines():
        match = re.match(r"\s*FROM\s+(?:--\S+\s+)*(\S+)", line, re.IGNORECASE)
        if match:
            name = match.group(1)
            if "/" not in name:
                name = "library/" + name
            if "." not in name.split("/")[0] and not name.startswith("localhost/"):
                name = "docker.io/" + name
            return name
    raise ValueError(f"{dockerfile}: no FROM line")


def debian_mirror(sources: Path = Path("/etc/apt/sources.list.d/debian.sources")) -> str:
    """The machine's own Debian mirror (the first URIs line naming a plain .../debian)."""
    try:
        text = sources.read_text()
    except OSError:
        return DEFAULT_MIRROR
    for match in re.finditer(r"^URIs:\s*(\S+)", text, re.MULTILINE):
        if match.group(1).rstrip("/").endswith("/debian"):
            return match.group(1)
    return DEFAULT_MIRROR


class Podman:
    def __init__(self, conf_dir: Path, cache_dir: Path = CACHE_DIR) -> None:
        self.cache_dir = cache_dir
        self.conf_dir = conf_dir
        cache_dir.mkdir(parents=True, exist_ok=True)
        conf_dir.mkdir(parents=True, exist_ok=True)
        ca_volume = f'"{CA_BUNDLE}:{CA_BUNDLE}:ro"' if Path(CA_BUNDLE).exists() else ""
        (conf_dir / "containers.conf").write_text(
            "[containers]\n"
            'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n'
            f"volumes = [{ca_volume}]\n"
            "[engine]\n"
            'runtime = "runc"\n'
            'cgroup_manager = "cgroupfs"\n'
            'events_logger = "file"\n'
            f'tmp_dir = "{cache_dir}/tmp"\n'
        )
        (conf_dir / "storage.conf").write_text(
            "[storage]\n"
            'driver = "overlay"\n'
            f'graphroot = "{cache_dir}/storage"\n'
            f'runroot = "{cache_dir}/run"\n'
        )
        self.env = {
            **os.environ,
            "CONTAINERS_CONF": str(conf_dir / "containers.conf"),
            "CONTAINERS_STORAGE_CONF": str(conf_dir / "storage.conf"),
        }

    # -- running podman -------------------------------------------------------------------------

    def run(
        self, *args: str, check: bool = True, timeout: float = 120, input: bytes | None = None
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            ["podman", *args], env=self.env, capture_output=True, timeout=timeout,
            input=input.decode() if input is not None else None, text=True,
        )  # fmt: skip
        if check and proc.returncode != 0:
            raise PodmanError(
                f"podman {' '.join(args)} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def exists(self, kind: str, name: str) -> bool:
        """kind: image, container or volume."""
        return self.run(kind, "exists", name, check=False).returncode == 0

    def inspect(self, name: str, template: str) -> str:
        return self.run("inspect", "--format", template, name).stdout.strip()

    # -- the base image ---------------------------------------------------------------------------

    @contextmanager
    def _lock(self) -> Iterator[None]:
        with open(self.cache_dir / "lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def ensure_base(self, name: str) -> float:
        """Make the image `name` (the Dockerfile's FROM) if missing; returns the seconds it took."""
        started = time.monotonic()
        with self._lock():
            if self.exists("image", name):
                return 0.0
            if not self.exists("image", DEBIAN_BASE):
                tarball = self._rootfs_tarball()
                with open(tarball, "rb") as data:
                    proc = subprocess.run(
                        ["podman", "import", "--change", 'CMD ["python3"]', "-", DEBIAN_BASE],
                        env=self.env, stdin=data, capture_output=True, text=True, timeout=300,
                    )  # fmt: skip
                if proc.returncode != 0:
                    raise PodmanError(f"podman import -> {proc.returncode}\n{proc.stderr}")
            context = self.conf_dir / "stand-in"
            context.mkdir(exist_ok=True)
            (context / "Containerfile").write_text(STAND_IN.format(base=DEBIAN_BASE))
            self.run("build", "--pull=never", "--network", "host", "--format", "docker",
                     "-t", name, str(context), timeout=300)  # fmt: skip
        return time.monotonic() - started

    def _rootfs_tarball(self) -> Path:
        tarball = self.cache_dir / "rootfs-bookworm.tar"
        if tarball.exists():
            return tarball
        if shutil.which("debootstrap") is None:
            raise PodmanError("debootstrap is not installed (scripts/install-test-deps.sh)")
        rootfs = self.cache_dir / "rootfs.partial"
        shutil.rmtree(rootfs, ignore_errors=True)
        proc = subprocess.run(
            ["debootstrap", "--variant=minbase",
             "--include=python3,python3-venv,python3-pip,ca-certificates",
             "bookworm", str(rootfs), debian_mirror()],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        if proc.returncode != 0:
            raise PodmanError(f"debootstrap -> {proc.returncode}\n{proc.stdout[-3000:]}")
        partial = tarball.with_suffix(".partial")
        subprocess.run(
            ["tar", "-C", str(rootfs), "-cf", str(partial), "."], check=True, timeout=300
        )
        partial.rename(tarball)
        shutil.rmtree(rootfs, ignore_errors=True)
        return tarball

    # -- what a test makes ----------------------------------------------------------------------

    def build(self, tag: str, dockerfile: Path = DOCKERFILE, context: Path = REPO) -> None:
        self.run("build", "--pull=never", "--network", "host", "--format", "docker",
                 "--label", LABEL, "-t", tag, "-f", str(dockerfile), str(context),
                 timeout=600)  # fmt: skip

    def start_container(self, name: str, image: str, options: Sequence[str] = (),
                        args: Sequence[str] = ()) -> None:  # fmt: skip
        self.run("run", "-d", "--name", name, "--label", LABEL, "--network", "host",
                 *options, image, *args)  # fmt: skip

    def logs(self, name: str) -> str:
        proc = self.run("logs", name, check=False)
        return proc.stdout + proc.stderr

    def state(self, name: str) -> dict[str, object]:
        return json.loads(self.inspect(name, "{{json .State}}"))

    def remove(self, containers: Sequence[str] = (), volumes: Sequence[str] = (),
               images: Sequence[str] = ()) -> None:  # fmt: skip
        """Remove what a test made, by name; missing ones are fine."""
        for container in containers:
            if self.exists("container", container):
                self.run("rm", "-f", "-v", "-t", "0", container, check=False)
        for volume in volumes:
            if self.exists("volume", volume):
                self.run("volume", "rm", "-f", volume, check=False)
        for image in images:
            if self.exists("image", image):
                self.run("rmi", "-f", image, check=False)

    def sweep(self) -> None:
        """Remove what an earlier run left behind: containers, volumes and images with our label
        whose pytest process is gone (the name carries its pid, see `run_name`). Another test run
        going on at the same time keeps its own."""
        listings = {
            "container": ["ps", "-a", "--format", "{{.Names}}"],
            "volume": ["volume", "ls", "--format", "{{.Name}}"],
            "image": ["images", "--format", "{{.Repository}}:{{.Tag}}"],
        }
        for kind, listing in listings.items():
            listed = self.run(*listing, "--filter", f"label={LABEL}", check=False).stdout.split()
            stale = [name for name in listed if not _owner_alive(name)]
            if stale:
                self.remove(**{kind + "s": stale})


def run_name(suffix: str) -> str:
    """A name for something this test run makes: `plua2-test-<pid>-<suffix>`."""
    return f"plua2-test-{os.getpid()}-{suffix}"


def _owner_alive(name: str) -> bool:
    match = re.search(r"plua2-test[-:](\d+)", name)
    if match is None:
        return True  # not named by run_name: not ours to judge
    try:
        os.kill(int(match.group(1)), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
