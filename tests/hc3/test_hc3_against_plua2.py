"""`plua2 hc3` end to end against a second `plua2 up` acting as the HC3 (the `hc3_server` fixture):
list, download, upload, update, and credentials that never land in QuickApp files."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

from hc3_helpers import GREETER_MAIN, GREETER_UTIL, HC3_PASSWORD, HC3_USER, Run, server_env
from plua2.fibaro_api.headers import strip_headers
from plua2.fibaro_api.quickapp_project import END_OF_HEADERS, load_quickapp
from up_helpers import QAServer, wait_for


def _new_quickapp(folder: Path, label: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "util.lua").write_text(f"function greet(word)\n  return word .. ' {label} v1'\nend\n")
    main = folder / "main.lua"
    main.write_text(textwrap.dedent(f"""\
        --%%name={label}
        --%%type=com.fibaro.multilevelSwitch
        --%%var=greeting:"hi"
        --%%file=util.lua,util
        function QuickApp:onInit()
          self:updateProperty("log", greet(self:getVariable("greeting")))
        end
        """))  # fmt: skip
    return main


def _upload(hc3_cli: Callable[..., Run], server: QAServer, main: Path) -> int:
    result = hc3_cli("upload", str(main), env=server_env(server))
    assert result.status == 0, result.err
    return int(result.out.rsplit("as device", 1)[1])


def test_list_shows_the_quickapps(hc3_cli: Callable[..., Run], hc3_server: QAServer) -> None:
    result = hc3_cli("list", env=server_env(hc3_server))
    assert result.status == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "TYPE"]
    assert ["5000", "Greeter", "com.fibaro.binarySwitch"] in [line.split() for line in lines]
    as_json = hc3_cli("list", "--json", env=server_env(hc3_server))
    assert {"id": 5000, "name": "Greeter", "type": "com.fibaro.binarySwitch"} in eval_json(
        as_json.out
    )


def eval_json(text: str) -> list[dict[str, object]]:

    value = json.loads(text)
    assert isinstance(value, list)
    return value


def test_download_gives_the_files_back(
    hc3_cli: Callable[..., Run], hc3_server: QAServer, tmp_path: Path
) -> None:
    target = tmp_path / "downloaded"
    result = hc3_cli("download", "5000", str(target), env=server_env(hc3_server))
    assert result.status == 0, result.err
    assert sorted(p.name for p in target.iterdir()) == ["main.lua", "util.lua"]
    assert (target / "util.lua").read_text() == GREETER_UTIL
    main = (target / "main.lua").read_text()
    # the code after the regenerated headers is the device's main file (plua2 up keeps the
    # project's headers in it: they sit after the marker and stay inert)
    assert main.split(END_OF_HEADERS + "\n", 1)[1] in (GREETER_MAIN, strip_headers(GREETER_MAIN))
    source = load_quickapp(target / "main.lua")
    assert (source.name, source.type) == ("Greeter", "com.fibaro.binarySwitch")
    assert source.quick_app_variables == [{"name": "greeting", "value": "hello"}]
    assert {f.name: f.content for f in source.files}["util"] == GREETER_UTIL
    again = hc3_cli("download", "5000", str(target), env=server_env(hc3_server))
    assert again.status == 2 and "already exists (use --force" in again.err
    assert (
        hc3_cli("download", "5000", str(target), "--force", env=server_env(hc3_server)).status == 0
    )


def test_credentials_never_appear_in_downloaded_files(
    hc3_cli: Callable[..., Run], hc3_server: QAServer, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    env_text = f"HC3_URL={hc3_server.up.url}\nHC3_USER={HC3_USER}\nHC3_PASSWORD='{HC3_PASSWORD}'\n"
    (project / ".env").write_text(env_text)  # the settings come from the project's .env only
    result = hc3_cli("download", "5000", str(project))
    assert result.status == 0, result.err
    assert sorted(p.name for p in project.iterdir()) == [".env", "main.lua", "util.lua"]
    assert (project / ".env").read_text() == env_text
    port = hc3_server.up.url.rsplit(":", 1)[1]
    for path in (project / "main.lua", project / "util.lua"):
        text = path.read_text()
        for secret in (HC3_PASSWORD, HC3_USER, hc3_server.up.url, port, "HC3_"):
            assert secret not in text, (path.name, secret)
    assert HC3_PASSWORD not in result.out + result.err


def test_upload_creates_a_quickapp_that_runs(
    hc3_cli: Callable[..., Run], hc3_server: QAServer, tmp_path: Path
) -> None:
    device_id = _upload(hc3_cli, hc3_server, _new_quickapp(tmp_path / "qa", "Uploaded"))
    device = hc3_server.get(f"/api/devices/{device_id}")
    assert (device["name"], device["type"]) == ("Uploaded", "com.fibaro.multilevelSwitch")
    hc3_server.wait_running([device_id])
    hc3_server.wait_prop(device_id, "log", "hi Uploaded v1")
    files = {f["name"]: f for f in hc3_server.get(f"/api/quickApp/{device_id}/files")}
    assert set(files) == {"main", "util"} and files["main"]["isMain"]
    main = hc3_server.get(f"/api/quickApp/{device_id}/files/main")["content"]
    assert "--%%" not in main and "onInit" in main  # uploaded as an HC3 holds it: no headers


def test_update_changes_one_file_and_restarts_the_quickapp(
    hc3_cli: Callable[..., Run], hc3_server: QAServer, tmp_path: Path
) -> None:
    main = _new_quickapp(tmp_path / "qa", "Updated")
    device_id = _upload(hc3_cli, hc3_server, main)
    workers = hc3_server.wait_running([device_id, 5000])
    before, other_pid = workers[device_id], workers[5000]["pid"]
    hc3_server.wait_prop(device_id, "log", "hi Updated v1")
    main_before = hc3_server.get(f"/api/quickApp/{device_id}/files/main")["content"]

    (main.parent / "util.lua").write_text("function greet(word)\n  return word .. ' v2'\nend\n")
    result = hc3_cli("update", str(device_id), str(main), "--only", "util.lua",
                 env=server_env(hc3_server))  # fmt: skip
    assert result.status == 0, result.err
    assert result.out.endswith(
        f"updated QuickApp {device_id} at {hc3_server.up.url}: changed util\n"
    )
    util = hc3_server.get(f"/api/quickApp/{device_id}/files/util")["content"]
    assert util == "function greet(word)\n  return word .. ' v2'\nend\n"
    assert hc3_server.get(f"/api/quickApp/{device_id}/files/main")["content"] == main_before
    hc3_server.wait_prop(device_id, "log", "hi v2")
    after = wait_for(
        lambda: (w := hc3_server.workers().get(device_id)) and w["state"] == "running" and w,
        10,
        "the updated QuickApp running again",
    )
    assert after["pid"] != before["pid"]
    assert hc3_server.workers()[5000]["pid"] == other_pid  # the other QuickApp untouched


def test_update_adds_and_removes_files(
    hc3_cli: Callable[..., Run], hc3_server: QAServer, tmp_path: Path
) -> None:
    main = _new_quickapp(tmp_path / "qa", "Reshaped")
    device_id = _upload(hc3_cli, hc3_server, main)
    (main.parent / "extra.lua").write_text("function greet(word) return word .. ' extra' end\n")
    text = main.read_text().replace("--%%file=util.lua,util", "--%%file=extra.lua,extra")
    main.write_text(text)
    result = hc3_cli("update", str(device_id), str(main), env=server_env(hc3_server))
    assert result.status == 0, result.err
    assert result.out.rstrip().endswith("changed main; added extra; removed util")
    names = [f["name"] for f in hc3_server.get(f"/api/quickApp/{device_id}/files")]
    assert sorted(names) == ["extra", "main"]
    hc3_server.wait_prop(device_id, "log", "hi extra")


def test_a_wrong_password_against_plua2_is_refused_once(
    hc3_cli: Callable[..., Run], hc3_server: QAServer
) -> None:
    env = {**server_env(hc3_server), "HC3_PASSWORD": "wrong"}
    result = hc3_cli("list", env=env)
    assert result.status == 1
    assert result.err == (
        f"plua2 hc3 list: HC3 refused the credentials for {HC3_USER} at {hc3_server.up.url} "
        "(401); check HC3_USER/HC3_PASSWORD\n"
    )
