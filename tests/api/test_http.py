"""`plua2 up` as a real process: auth, errors, actions through refreshStates, durability, exits."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from plua2.fibaro_api.store import SCHEMA_VERSION, STATE_FILE
from plua2_up_helpers import AUTH, Plua2Up, plua2_up_command


def _client(server: Plua2Up, auth: tuple[str, str] | None = AUTH) -> httpx.Client:
    return httpx.Client(base_url=server.api, auth=auth, timeout=10)


def test_basic_auth_is_required_and_refused_like_an_hc3(plua2_up: Plua2Up) -> None:
    with _client(plua2_up, None) as anonymous:
        reply = anonymous.get("/devices")
        assert reply.status_code == 401
        assert reply.headers["www-authenticate"].startswith("Basic")
        assert reply.json()["type"] == "ERROR"
    with _client(plua2_up, ("admin", "wrong")) as wrong:
        assert wrong.get("/devices/1").status_code == 401
        assert wrong.get(plua2_up.url + "/plua/health").status_code == 401
    with _client(plua2_up) as client:
        assert client.get("/devices/1").json()["type"] == "com.fibaro.zwavePrimaryController"


def test_credentials_come_from_the_environment(plua2_factory, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    server = plua2_factory(project_dir, env={"PLUA2_USER": "bob", "PLUA2_PASSWORD": "s3cret"})
    with _client(server, ("bob", "s3cret")) as client:
        assert client.get("/loginStatus").json()["username"] == "bob"
    with _client(server) as client:
        assert client.get("/loginStatus").status_code == 401


def test_errors_are_hc3_bodies_never_500(plua2_up: Plua2Up) -> None:
    with _client(plua2_up) as client:
        missing = client.get("/devices/999")
        assert missing.status_code == 404 and missing.json()["type"] == "ERROR"
        assert client.get("/nope").status_code == 404
        unimplemented = client.get("/energy/devices")
        assert unimplemented.status_code == 501
        assert "/api/energy/devices" in unimplemented.json()["message"]
        broken = client.post("/globalVariables", content=b"{not json")
        assert broken.status_code == 400
        assert client.put("/devices/100", json={"name": 5}).status_code == 400
        assert client.get("/devices/abc").status_code == 400


def test_control_api(plua2_up: Plua2Up) -> None:
    with httpx.Client(base_url=plua2_up.url, auth=AUTH, timeout=10) as client:
        health = client.get("/plua/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert client.get("/plua/workers").json() == []
        assert client.post("/plua/workers/5000/restart").status_code == 404


def test_an_action_arrives_on_a_waiting_refresh_poll_within_a_second(plua2_up: Plua2Up) -> None:
    with _client(plua2_up) as client:
        last = client.get("/refreshStates", params={"last": 0}).json()["last"]
        result: dict[str, object] = {}

        def poll() -> None:
            with _client(plua2_up) as poller:
                started = time.monotonic()
                result["answer"] = poller.get("/refreshStates", params={"last": last}).json()
                result["elapsed"] = time.monotonic() - started

        thread = threading.Thread(target=poll)
        thread.start()
        time.sleep(0.3)
        sent = time.monotonic()
        reply = client.post("/devices/100/action/turnOn", json={})
        assert reply.status_code == 202
        thread.join(5)
        answer = result["answer"]
        assert isinstance(answer, dict)
        assert {"id": 100, "value": True, "state": True} in answer["changes"]
        assert time.monotonic() - sent < 1.0
        assert client.get("/devices/100/properties/value").json()["value"] is True
        # GET forms of an action
        assert client.get("/devices/101/action/setValue", params={"arg1": "33"}).status_code == 202
        assert (
            client.get("/callAction", params={"deviceID": 104, "name": "open"}).status_code == 202
        )
        assert client.get("/devices/101").json()["properties"]["value"] == 33
        assert client.post("/devices/999/action/turnOn", json={}).status_code == 404


def test_a_poll_with_nothing_new_holds_then_answers(plua2_up: Plua2Up) -> None:
    with _client(plua2_up) as client:
        last = client.get("/refreshStates?last=0").json()["last"]
        started = time.monotonic()
        answer = client.get(f"/refreshStates?last={last}").json()
        assert 1.5 < time.monotonic() - started < 4  # PLUA2_REFRESH_TIMEOUT=2 in the fixture
        assert answer["last"] == last and answer["changes"] == []


def test_acknowledged_writes_survive_sigkill(
    plua2_factory, project_dir: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    state = tmp_path / "durable"
    server = plua2_factory(project_dir, state)
    with _client(server) as client:
        assert client.put("/globalVariables/Counter", json={"value": "41"}).status_code == 200
        body = {"deviceId": 102, "propertyName": "value", "value": 23.5}
        assert client.post("/plugins/updateProperty", json=body).status_code == 200
        room = client.post("/rooms", json={"name": "Cellar", "sectionID": 219}).json()
    server.kill()  # SIGKILL right after the 2xx answers
    again = plua2_factory(project_dir, state)
    with _client(again) as client:
        assert client.get("/globalVariables/Counter").json()["value"] == "41"
        assert client.get("/devices/102/properties/value").json()["value"] == 23.5
        assert client.get(f"/rooms/{room['id']}").json()["name"] == "Cellar"
        assert len(client.get("/devices?type=com.fibaro.binarySwitch").json()) == 1


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_within_three_seconds_even_with_a_poll_waiting(
    plua2_up: Plua2Up, signum: int
) -> None:
    with _client(plua2_up) as client:
        last = client.get("/refreshStates?last=0").json()["last"]

    def poll() -> None:
        try:
            with _client(plua2_up) as poller:
                poller.get(f"/refreshStates?last={last}")
        except httpx.HTTPError:
            pass

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    os.kill(plua2_up.pid, signum)
    assert plua2_up.proc.wait(5) == 0
    assert time.monotonic() - started < 3
    thread.join(5)


def _run_up(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [*plua2_up_command(), *args, "--port", "0", "--run-for", "5"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=20)


def test_a_corrupt_or_newer_state_file_is_one_error_and_exit_2(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    state = tmp_path / "state"
    state.mkdir()
    path = state / STATE_FILE
    path.write_bytes(b"garbage" * 500)
    result = _run_up(str(project), "--state-dir", str(state))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "corrupt" in result.stderr
    assert path.read_bytes() == b"garbage" * 500

    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    result = _run_up(str(project), "--state-dir", str(state))
    assert result.returncode == 2 and "newer" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert path.read_bytes() == before


def test_a_bad_toml_or_missing_folder_is_one_error_and_exit_2(tmp_path: Path) -> None:
    result = _run_up(str(tmp_path / "does-not-exist"))
    assert result.returncode == 2 and "does not exist" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    (tmp_path / "plua2.toml").write_text("[[rooms]\nname = ")
    result = _run_up(str(tmp_path))
    assert result.returncode == 2 and "plua2.toml" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_port_in_use_is_one_error_and_exit_2(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cmd = [*plua2_up_command(), str(tmp_path), "--port", str(port), "--run-for", "5"]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    assert result.returncode == 2 and "in use" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
