"""`plua2 hc3` against a fake HC3 that counts requests: one request on a 401, no retries, no
redirects followed, TLS checked unless --insecure; plus the update planner and URL units."""

from __future__ import annotations

import base64
import os
import socket
import ssl
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme
from hc3_helpers import GREETER_MAIN, GREETER_UTIL, CountingHC3, Run
from plua2.fibaro_api.form_data import parse_form_data
from plua2.supervisor.hc3_client import encode_multipart, normalise_url
from plua2.supervisor.hc3_files import PlanError, plan_update

REFUSED = "HC3 refused the credentials for admin at {url} (401); check HC3_USER/HC3_PASSWORD"


@pytest.fixture
def greeter(tmp_path: Path) -> Path:
    folder = tmp_path / "greeter"
    folder.mkdir()
    (folder / "util.lua").write_text(GREETER_UTIL)
    main = folder / "greeter.lua"
    main.write_text(GREETER_MAIN)
    return main


def _env(hc3: CountingHC3, password: str = "wrong") -> dict[str, str]:
    return {"HC3_URL": hc3.url, "HC3_USER": "admin", "HC3_PASSWORD": password}


@pytest.mark.parametrize(
    "argv",
    [
        ["list"],
        ["download", "5000", "{tmp}/out"],
        ["upload", "{main}"],
        ["update", "5000", "{main}"],
        ["update", "5000", "{main}", "--only", "util"],
    ],
    ids=["list", "download", "upload", "update", "update-only"],
)
def test_a_wrong_password_makes_exactly_one_request(
    argv: list[str],
    hc3_cli: Callable[..., Run],
    counting_hc3: Callable[..., CountingHC3],
    greeter: Path,
    tmp_path: Path,
) -> None:
    server = counting_hc3()
    args = [a.format(tmp=tmp_path, main=greeter) for a in argv]
    result = hc3_cli(*args, env=_env(server))
    assert result.status == 1
    assert result.err.strip().splitlines() == [
        f"plua2 hc3 {argv[0]}: " + REFUSED.format(url=server.url)
    ]
    assert len(server.requests) == 1
    sent = server.requests[0]["headers"]["Authorization"]
    assert sent == "Basic " + base64.b64encode(b"admin:wrong").decode()  # preemptive
    assert not (tmp_path / "out").exists()


def test_a_server_error_stops_at_the_first_request_with_the_hc3_reason(
    hc3_cli: Callable[..., Run], counting_hc3: Callable[..., CountingHC3], greeter: Path
) -> None:
    server = counting_hc3()
    server.status, server.body = 404, {"type": "ERROR", "reason": "NOT_FOUND",
                                       "message": "no device 5000"}  # fmt: skip
    result = hc3_cli("update", "5000", str(greeter), env=_env(server))
    assert result.status == 1 and len(server.requests) == 1
    assert "GET /api/quickApp/5000/files: HTTP 404 NOT_FOUND: no device 5000" in result.err


def test_redirects_are_not_followed(
    hc3_cli: Callable[..., Run], counting_hc3: Callable[..., CountingHC3]
) -> None:
    server = counting_hc3()
    server.status, server.headers = 301, {"Location": "https://elsewhere.example/api/devices"}
    result = hc3_cli("list", env=_env(server))
    assert result.status == 1 and len(server.requests) == 1
    assert "redirects (301) to https://elsewhere.example/api/devices" in result.err


def test_an_answer_that_is_not_json_is_one_clear_line(
    hc3_cli: Callable[..., Run], counting_hc3: Callable[..., CountingHC3]
) -> None:
    server = counting_hc3()
    server.status, server.body = 200, b"<html>a router login page</html>"
    result = hc3_cli("list", env=_env(server))
    assert result.status == 1
    assert result.err.endswith("the answer is not JSON (is " + server.url + " an HC3?)\n")
    server.body = {"devices": []}  # JSON, but not the list an HC3 answers
    result = hc3_cli("list", env=_env(server))
    assert result.status == 1
    assert "GET /api/devices: expected a list of devices" in result.err


def test_network_errors_are_one_line_and_exit_1(hc3_cli: Callable[..., Run]) -> None:
    env = {"HC3_URL": "http://127.0.0.1:1", "HC3_USER": "a", "HC3_PASSWORD": "b"}
    result = hc3_cli("list", env=env)
    assert result.status == 1
    assert (
        result.err
        == "plua2 hc3 list: cannot reach the HC3 at http://127.0.0.1:1: connection refused\n"
    )


def test_tls_is_checked_by_default_and_insecure_skips_it(
    hc3_cli: Callable[..., Run], counting_hc3: Callable[..., CountingHC3]
) -> None:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = counting_hc3(tls=context)
    server.status, server.body = 200, [{"id": 77, "name": "Secure", "type": "com.fibaro.deviceController",
                                        "interfaces": ["quickApp"]}]  # fmt: skip
    refused = hc3_cli("list", env=_env(server, "pw"))
    assert refused.status == 1 and server.requests == []
    assert "TLS certificate not trusted" in refused.err and "--insecure" in refused.err
    accepted = hc3_cli("list", "--insecure", env=_env(server, "pw"))
    assert accepted.status == 0, accepted.err
    assert "Secure" in accepted.out and len(server.requests) == 1


def test_usage_errors_exit_2_without_any_request(
    hc3_cli: Callable[..., Run],
    counting_hc3: Callable[..., CountingHC3],
    greeter: Path,
    tmp_path: Path,
) -> None:
    server = counting_hc3()
    assert hc3_cli("list").status == 2  # no settings at all
    assert hc3_cli("download", "not-a-number", "x", env=_env(server)).status == 2
    assert hc3_cli("upload", str(tmp_path / "missing.lua"), env=_env(server)).status == 2
    assert hc3_cli("upload", str(greeter), "--timeout", "0", env=_env(server)).status == 2
    only = hc3_cli("update", "5000", str(greeter), "--only", "nope", env=_env(server))
    assert only.status == 2 and "has: main, util" in only.err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert hc3_cli("download", "5000", str(blocker), env=_env(server)).status == 2
    assert server.requests == []


def test_upload_refuses_a_quickapp_file_that_is_a_dotenv(
    hc3_cli: Callable[..., Run], counting_hc3: Callable[..., CountingHC3], tmp_path: Path
) -> None:
    server = counting_hc3()
    (tmp_path / ".env").write_text(f"HC3_URL={server.url}\nHC3_USER=admin\nHC3_PASSWORD=pw\n")
    main = tmp_path / "leaky.lua"
    main.write_text("--%%name=Leaky\n--%%file=.env,env\nfunction QuickApp:onInit() end\n")
    result = hc3_cli("upload", str(main))
    assert result.status == 2 and server.requests == []
    assert "refusing to send credentials" in result.err


def test_settings_come_from_the_env_file_beside_the_quickapp(
    hc3_cli: Callable[..., Run], counting_hc3: Callable[..., CountingHC3], greeter: Path
) -> None:
    server = counting_hc3()
    (greeter.parent / ".env").write_text(
        f"HC3_URL={server.url}\nHC3_USER=qa-user\nHC3_PASSWORD='qa pw'\n"
    )
    result = hc3_cli("upload", str(greeter))
    assert result.status == 1 and len(server.requests) == 1
    assert "for qa-user at" in result.err
    sent = server.requests[0]
    assert (
        sent["headers"]["Authorization"] == "Basic " + base64.b64encode(b"qa-user:qa pw").decode()
    )
    fields = parse_form_data(sent["body"])
    assert fields is not None and b"HC3_" not in fields["file"] and b"qa pw" not in fields["file"]
    assert sent["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")


def test_multipart_encoding_reads_back_with_our_own_parser() -> None:
    body, content_type = encode_multipart(
        {"file": ("qa.fqa", b'{"a": 1}\r\n'), "roomId": (None, b"7")}
    )
    assert content_type.startswith("multipart/form-data; boundary=plua2-")
    assert parse_form_data(body) == {"file": b'{"a": 1}\r\n', "roomId": b"7"}


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("192.168.1.57", "http://192.168.1.57"),
        ("http://hc3.local/", "http://hc3.local"),
        ("https://hc3.local:8443/api", "https://hc3.local:8443"),
        ("http://proxy/hc3/api/", "http://proxy/hc3"),
    ],
)
def test_normalise_url(raw: str, url: str) -> None:
    assert normalise_url(raw) == url


def _file(name: str, content: str = "", main: bool = False) -> dict[str, object]:
    return {"name": name, "isMain": main, "isOpen": main, "type": "lua", "content": content}


def test_plan_puts_existing_posts_new_and_deletes_removed_files() -> None:
    remote = [{"name": "main", "isMain": True}, {"name": "util"}, {"name": "old"}]
    local = [_file("main", "m", True), _file("util", "u"), _file("extra", "e")]
    plan = plan_update(remote, local)
    assert [f["name"] for f in plan.put] == ["main", "util"]
    assert [f["name"] for f in plan.post] == ["extra"]
    assert plan.delete == ("old",)
    assert plan.summary() == "changed main, util; added extra; removed old"


def test_plan_maps_the_local_main_to_the_remote_main_and_never_deletes_it() -> None:
    remote = [{"name": "Main QA", "isMain": True}, {"name": "util"}]
    plan = plan_update(remote, [_file("main", "m", True)])
    assert [(f["name"], f["isMain"]) for f in plan.put] == [("Main QA", True)]
    assert plan.delete == ("util",)


def test_plan_only_touches_one_file() -> None:
    remote = [{"name": "main", "isMain": True}, {"name": "util"}, {"name": "old"}]
    local = [_file("main", "m", True), _file("util", "u"), _file("extra", "e")]
    assert plan_update(remote, local, "util.lua").summary() == "changed util"
    assert plan_update(remote, local, "extra").summary() == "added extra"
    with pytest.raises(PlanError, match="has: main, util, extra"):
        plan_update(remote, local, "old")


def test_the_installed_command_exits_1_after_one_refused_request(
    counting_hc3: Callable[..., CountingHC3], tmp_path: Path
) -> None:
    server = counting_hc3()
    env = {**os.environ, **_env(server)}
    done = subprocess.run([sys.executable, "-m", "plua2", "hc3", "list"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    assert (done.returncode, done.stdout, len(server.requests)) == (1, "", 1)
    assert done.stderr == "plua2 hc3 list: " + REFUSED.format(url=server.url) + "\n"


def test_an_hc3_that_never_answers_times_out_once(hc3_cli: Callable[..., Run]) -> None:
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        env = {"HC3_URL": url, "HC3_USER": "a", "HC3_PASSWORD": "b"}
        result = hc3_cli("list", "--timeout", "0.3", env=env)
    assert result.status == 1
    assert result.err == f"plua2 hc3 list: cannot reach the HC3 at {url}: no answer within 0.3 s\n"
