"""The real image: docker/Dockerfile built and run with rootful Podman (podman_image.py).

One build per run (module fixture), then containers on free loopback ports (`--network host`,
PLUA2_HOST=127.0.0.1 so nothing listens beyond loopback):
- the example home mounted on /project, state in a named volume on /data: /plua/health, the
  image's HEALTHCHECK, REST from outside (an action on a QuickApp, a global variable), stop by
  SIGTERM timed, start again and the state is kept, a new container on the same volume keeps it
  too, SIGINT stops it as fast;
- the image alone (its baked-in /project) with other credentials from the environment.
The first run makes the base image (~1 min) and builds (~20 s); later runs only build.
Timings go to <cache>/last-timings.json and to the test report (record_property).
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest
from podman_image import (
    CACHE_DIR,
    LABEL,
    REPO,
    Podman,
    dockerfile_from,
    missing_tools,
    run_name,
)

EXAMPLE_HOME = REPO / "examples" / "home"
STOP_LIMIT = 3.0  # seconds from the signal (just before the podman command) to the exit

pytestmark = [
    pytest.mark.skipif(
        bool(missing_tools()),
        reason=f"the image test needs rootful podman: missing {', '.join(missing_tools())} "
        "(scripts/install-test-deps.sh installs podman, runc and debootstrap)",
    ),
    pytest.mark.timeout(600),
]

TIMINGS: dict[str, float] = {}


def _record(name: str, seconds: float) -> None:
    TIMINGS[name] = round(seconds, 3)
    try:
        (CACHE_DIR / "last-timings.json").write_text(json.dumps(TIMINGS, indent=1) + "\n")
    except OSError:
        pass


@pytest.fixture(scope="module")
def podman(tmp_path_factory: pytest.TempPathFactory) -> Podman:
    engine = Podman(tmp_path_factory.mktemp("podman-conf"))
    engine.sweep()
    return engine


@pytest.fixture(scope="module")
def image(podman: Podman) -> Iterator[str]:
    _record("base_seconds", podman.ensure_base(dockerfile_from()))
    tag = f"localhost/plua2-test:{os.getpid()}"
    started = time.monotonic()
    try:
        podman.build(tag)
        _record("build_seconds", time.monotonic() - started)
        yield tag
    finally:
        podman.remove(images=[tag])


@pytest.fixture
def made(podman: Podman) -> Iterator[dict[str, list[str]]]:
    """Names of the containers and volumes a test makes; removed afterwards, whatever happens."""
    names: dict[str, list[str]] = {"containers": [], "volumes": []}
    yield names
    podman.remove(containers=names["containers"], volumes=names["volumes"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(podman: Podman, name: str, url: str, auth: tuple[str, str],
                 timeout: float = 60.0) -> float:  # fmt: skip
    """Seconds until /plua/health answers 200 with `ready` (every QuickApp started once); fails
    with the container's log if it never does."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            health = httpx.get(url + "/plua/health", auth=auth, timeout=2)
            if health.status_code == 200 and health.json().get("ready") is True:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        if podman.state(name).get("Running") is False:
            break
        time.sleep(0.05)
    pytest.fail(f"{name}: no ready 200 from /plua/health\n{podman.logs(name)}")


def wait_quickapps(api: httpx.Client, timeout: float = 30.0) -> list[dict[str, object]]:
    """Every QuickApp of examples/home (its scenes are not QuickApps) has its worker running."""
    expected = len([p for p in EXAMPLE_HOME.glob("*.lua") if not p.name.endswith(".scene.lua")])
    deadline = time.monotonic() + timeout
    workers: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        workers = api.get("/plua/workers").json()
        if len(workers) >= expected and all(w["state"] == "running" for w in workers):
            return workers
        time.sleep(0.1)
    pytest.fail(f"expected {expected} running QuickApps, /plua/workers: {workers}")


def wait_value(api: httpx.Client, path: str, expected: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = api.get(path).json().get("value")
        if value == expected:
            return
        time.sleep(0.05)
    pytest.fail(f"{path}: value {value!r}, expected {expected!r}")


def _finished_at(state: dict[str, object]) -> float:
    """The container's FinishedAt (conmon's time of the exit) as a Unix time."""
    text = str(state["FinishedAt"])
    stamp = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", text)
    assert stamp, f"FinishedAt {text!r}"
    fraction = (stamp[2] or ".0")[:7]
    zone = "+00:00" if stamp[3] == "Z" else stamp[3]
    return datetime.fromisoformat(stamp[1] + fraction + zone).timestamp()


def timed_stop(podman: Podman, name: str, signal: str = "TERM") -> dict[str, float]:
    """SIGTERM (`podman stop -t 10`) or another signal (`podman kill` + `podman wait`).

    Checks exit code 0 (not 137: no SIGKILL after the grace period) and that the container exited
    within STOP_LIMIT of the signal: from just before the podman command to the container's own
    FinishedAt. Returns that and the podman command's wall time (which adds podman's clean-up).
    """
    sent, started = time.time(), time.monotonic()
    if signal == "TERM":
        podman.run("stop", "-t", "10", name, timeout=30)
    else:
        podman.run("kill", "--signal", signal, name)
        podman.run("wait", name, timeout=30)
    wall = time.monotonic() - started
    state = podman.state(name)
    exited = _finished_at(state) - sent
    logs = podman.logs(name)
    assert state["ExitCode"] == 0, f"SIG{signal}: exit code {state['ExitCode']}\n{logs}"
    assert exited < STOP_LIMIT, f"SIG{signal}: exited {exited:.2f} s after the signal\n{logs}"
    assert wall < 10, f"SIG{signal}: podman took {wall:.2f} s (killed after the grace period?)"
    return {"exit": exited, "wall": wall}


def container_processes(podman: Podman, name: str) -> list[tuple[int, int, str, str]]:
    """(pid, ppid, state, command) of every process in the container, from its /proc."""
    script = (
        "import os\n"
        "for p in filter(str.isdigit, os.listdir('/proc')):\n"
        "    if int(p) == os.getpid():\n"
        "        continue\n"
        "    try:\n"
        "        stat = open(f'/proc/{p}/stat').read()\n"
        "        cmd = ' '.join(open(f'/proc/{p}/cmdline').read().replace(chr(0), ' ').split())\n"
        "    except OSError:\n"
        "        continue\n"
        "    fields = stat.rsplit(')', 1)[1].split()\n"
        "    print(p, fields[1], fields[0], cmd or stat.split('(')[1].split(')')[0], sep='\\t')\n"
    )
    out = podman.run("exec", name, "python", "-c", script).stdout
    rows = [line.split("\t") for line in out.splitlines() if line]
    return [(int(pid), int(ppid), state, cmd) for pid, ppid, state, cmd in rows]


def test_example_home_over_rest_state_in_data_volume_and_fast_stop(
    podman: Podman, image: str, made: dict[str, list[str]], record_property
) -> None:
    volume = run_name("data")
    first, second = run_name("home"), run_name("home2")
    made["containers"] += [first, second]
    made["volumes"].append(volume)
    podman.run("volume", "create", "--label", LABEL, volume)
    port = free_port()
    url, auth = f"http://127.0.0.1:{port}", ("admin", "admin")
    options = ["-e", "PLUA2_HOST=127.0.0.1", "-e", f"PLUA2_PORT={port}",
               "-v", f"{EXAMPLE_HOME}:/project:ro", "-v", f"{volume}:/data"]  # fmt: skip

    started = time.monotonic()
    podman.start_container(first, image, options)
    wait_healthy(podman, first, url, auth)
    _record("run_to_first_200_seconds", time.monotonic() - started)

    # The image's HEALTHCHECK, run now (podman schedules it with systemd timers, absent here).
    check = podman.run("healthcheck", "run", first, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert podman.inspect(first, "{{.State.Health.Status}}") == "healthy"
    # ... and it does check: with a wrong password the same command fails.
    test = json.loads(podman.run("image", "inspect", image).stdout)[0]["Healthcheck"]["Test"]
    assert test[0] == "CMD", test
    wrong = podman.run("exec", "-e", "PLUA2_PASSWORD=wrong", first, *test[1:], check=False)
    assert wrong.returncode != 0

    # tini is PID 1 and plua2 its child (so plua2's fork server runs); every QuickApp is running.
    processes = container_processes(podman, first)
    pid1 = [cmd for pid, _, _, cmd in processes if pid == 1]
    assert pid1 and pid1[0].startswith("tini"), processes
    assert any("plua2 up /project" in cmd and ppid == 1 for _, ppid, _, cmd in processes), processes
    logs = podman.logs(first)
    assert "fork server unavailable" not in logs, logs

    with httpx.Client(base_url=url, auth=auth, timeout=10) as api:
        wait_quickapps(api)
        devices = {d["name"]: d["id"] for d in api.get("/api/devices").json()}
        hall = devices["Hall switch"]  # a QuickApp of examples/home (switch_hall.lua)

        # An action reaches the QuickApp's worker, which changes the property.
        assert api.get(f"/api/devices/{hall}/properties/value").json()["value"] is False
        reply = api.post(f"/api/devices/{hall}/action/turnOn", json={"args": []})
        assert reply.status_code in (200, 202), reply.text
        wait_value(api, f"/api/devices/{hall}/properties/value", True)
        # Global variables: one changed, one created.
        marker = f"away-{os.getpid()}"
        assert api.put("/api/globalVariables/HouseMode", json={"value": marker}).status_code == 200
        created = api.post("/api/globalVariables", json={"name": "FromDocker", "value": "42"})
        assert created.status_code in (200, 201), created.text

        # A restarted worker is reaped: no zombie in the container.
        assert api.post(f"/plua/workers/{hall}/restart").status_code == 200
        wait_value(api, f"/api/devices/{hall}/properties/value", True)
        time.sleep(0.5)
        zombies = [p for p in container_processes(podman, first) if p[2] == "Z"]
        assert not zombies, zombies

    stopped = timed_stop(podman, first)
    _record("sigterm_exit_seconds", stopped["exit"])
    _record("sigterm_podman_stop_seconds", stopped["wall"])

    def check_state_kept(name: str) -> None:
        with httpx.Client(base_url=url, auth=auth, timeout=10) as api:
            wait_quickapps(api)
            assert api.get(f"/api/devices/{hall}/properties/value").json()["value"] is True
            assert api.get("/api/globalVariables/HouseMode").json()["value"] == marker
            assert api.get("/api/globalVariables/FromDocker").json()["value"] == "42"

    # The same container started again.
    started = time.monotonic()
    podman.run("start", first)
    wait_healthy(podman, first, url, auth)
    _record("restart_to_first_200_seconds", time.monotonic() - started)
    check_state_kept(first)
    timed_stop(podman, first)
    podman.run("rm", first)

    # A new container on the same /data volume: the state is in the volume, not the container.
    podman.start_container(second, image, options)
    wait_healthy(podman, second, url, auth)
    check_state_kept(second)
    stopped = timed_stop(podman, second, "INT")
    _record("sigint_exit_seconds", stopped["exit"])
    _record("sigint_podman_kill_wait_seconds", stopped["wall"])
    assert "Traceback" not in podman.logs(second), podman.logs(second)

    for key, value in TIMINGS.items():
        record_property(key, value)


def test_image_serves_its_own_project_with_credentials_from_env(
    podman: Podman, image: str, made: dict[str, list[str]]
) -> None:
    name = run_name("bare")
    made["containers"].append(name)
    port = free_port()
    url, auth = f"http://127.0.0.1:{port}", ("tester", "s3cret")
    podman.start_container(name, image, [
        "-e", "PLUA2_HOST=127.0.0.1", "-e", f"PLUA2_PORT={port}",
        "-e", "PLUA2_USER=tester", "-e", "PLUA2_PASSWORD=s3cret",
    ])  # fmt: skip
    wait_healthy(podman, name, url, auth)
    assert podman.run("healthcheck", "run", name, check=False).returncode == 0
    with httpx.Client(base_url=url, auth=auth, timeout=10) as api:
        wait_quickapps(api)
        assert api.get("/api/settings/info").json()["hcName"] == "plua2 example home"
        assert httpx.get(url + "/api/devices", auth=("admin", "admin")).status_code == 401
        names = {d["name"] for d in api.get("/api/devices").json()}
        assert {"Hall switch", "Porch light", "Ceiling lamp"} <= names
    uid = podman.run("exec", name, "id", "-u").stdout.strip()
    assert uid == "1000", "the server runs as the image's non-root user"
    timed_stop(podman, name)
