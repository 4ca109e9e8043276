"""Fixtures for `plua2 hc3`: a second `plua2 up` acting as the HC3, and a fake HC3 that counts.

- `hc3_server` (per module): `plua2 up` on a tmp project holding one QuickApp (`Greeter`, device
  5000, with a `util` file), on 127.0.0.1 and a free port, with its own credentials (so a test can
  look for them in downloaded files); stopped by PID at teardown (tests/up/up_helpers.py, over
  tests/api/plua2_up_helpers.py).
- `counting_hc3`: a tiny threaded HTTP server that records every request and answers each with
  a status and body the test chooses (401 by default; bytes are sent as they are, anything else as
  JSON), optionally over TLS (trustme).
- `hc3_cli` runs `plua2 hc3 ...` in-process (returns exit status, stdout, stderr), with HC3_* removed
  from the environment and the current folder moved to an empty tmp folder, so no .env or
  variable of the machine leaks in.
"""

from __future__ import annotations

import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from hc3_helpers import (  # noqa: E402
    GREETER_MAIN,
    GREETER_UTIL,
    HC3_PASSWORD,
    HC3_USER,
    CountingHC3,
    Run,
    counting_handler,
)
from up_helpers import QAServer, start_server, write_project  # noqa: E402

from plua2.cli import main as plua2_main  # noqa: E402


@pytest.fixture(scope="module")
def hc3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QAServer]:
    root = tmp_path_factory.mktemp("hc3")
    project = write_project(root / "project", {"greeter.lua": GREETER_MAIN,
                                               "util.lua": GREETER_UTIL})  # fmt: skip
    server = start_server(project, root / "state", "--user", HC3_USER, "--password", HC3_PASSWORD)
    server.client.auth = (HC3_USER, HC3_PASSWORD)
    try:
        server.wait_running([5000])
        yield server
    finally:
        server.client.close()
        try:
            server.up.stop()  # SIGTERM to its PID
        except subprocess.TimeoutExpired:
            server.up.kill()


@pytest.fixture
def hc3_cli(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Run]:
    for key in ("HC3_URL", "HC3_USER", "HC3_PASSWORD"):
        monkeypatch.delenv(key, raising=False)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)

    def run(*argv: str, env: dict[str, str] | None = None) -> Run:
        capsys.readouterr()
        with monkeypatch.context() as patch:
            for key, value in (env or {}).items():
                patch.setenv(key, value)
            try:
                status = plua2_main(["hc3", *argv])
            except SystemExit as stop:  # argparse
                status = int(stop.code or 0)
        captured = capsys.readouterr()
        return Run(status, captured.out, captured.err)

    return run


@pytest.fixture
def counting_hc3() -> Iterator[Callable[..., CountingHC3]]:
    servers: list[ThreadingHTTPServer] = []

    def start(tls: ssl.SSLContext | None = None) -> CountingHC3:
        state = CountingHC3(url="")
        server = ThreadingHTTPServer(("127.0.0.1", 0), counting_handler(state))
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        scheme = "https" if tls is not None else "http"
        state.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return state

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
