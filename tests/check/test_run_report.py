"""RunReport (what fails `plua2 up --run-for`) and LogPrinter (text / JSON lines), as pure units."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from plua2.shared.messages import Error
from plua2.supervisor.log_format import LogFormat, LogPrinter, parse_format
from plua2.supervisor.policy import WorkerState
from plua2.supervisor.run_report import RunReport
from plua2.supervisor.worker_spec import DefaultListener


class Recorder(DefaultListener):
    def __init__(self) -> None:
        self.seen: list[Any] = []

    def on_error(self, worker_id: int, error: Error) -> None:
        self.seen.append(("error", worker_id, error.where))

    def on_state(self, worker_id: int, old: Any, new: Any, info: Any) -> None:
        self.seen.append(("state", worker_id, new))


def error(where: str, message: str = "boom") -> Error:
    return Error(1, where, message, "")


def test_init_and_load_errors_fail_callback_errors_are_counted() -> None:
    report = RunReport()
    inner = Recorder()
    listener = report.listener(inner)
    listener.on_error(5000, error("callback"))
    assert not report.failed and report.callback_errors == 1
    listener.on_error(5001, error("init", "main:2: boom"))
    listener.on_error(5002, error("load", "main:1: syntax"))
    assert report.failures == [
        "QuickApp 5001 crashed in onInit: main:2: boom",
        "QuickApp 5002 does not load: main:1: syntax",
    ]
    assert [s[:3] for s in inner.seen] == [
        ("error", 5000, "callback"), ("error", 5001, "init"), ("error", 5002, "load")
    ]  # fmt: skip
    assert report.summary() == "run ended: 2 QuickApp failure(s) (1 callback error(s))"


@pytest.mark.parametrize("state", [WorkerState.CRASHED, WorkerState.HUNG, WorkerState.FATAL])
def test_failing_states(state: WorkerState) -> None:
    report = RunReport()
    listener = report.listener(Recorder())
    listener.on_state(7, WorkerState.RUNNING, WorkerState.STOPPING, {})
    listener.on_state(7, WorkerState.RUNNING, state, {"reason": "exit 1"})
    assert report.failures == [f"QuickApp 7 {state.value}: exit 1"]


def test_nothing_fails_once_closed_and_problems_always_do() -> None:
    report = RunReport()
    report.problem("a.lua:2: bad")
    report.close()
    report.state(7, WorkerState.CRASHED, "killed at stop")
    assert report.failures == ["a.lua:2: bad"]
    assert RunReport().summary() == "run ended: no QuickApp failed (0 callback error(s))"


def test_parse_format() -> None:
    assert parse_format(None) is LogFormat.TEXT and parse_format(" JSON ") is LogFormat.JSON
    with pytest.raises(ValueError, match="unknown log format"):
        parse_format("yaml")


def printer(fmt: LogFormat) -> tuple[LogPrinter, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return LogPrinter(fmt, out=out, err=err), out, err


def test_text_lines_keep_their_streams_and_skip_the_console() -> None:
    p, out, err = printer(LogFormat.TEXT)
    p.say("serving http://x/", stdout=True, event="serving", url="http://x")
    p.say("a problem", level="error")
    p.console_line({"type": "debug", "tag": "QUICKAPP5", "message": "hi", "deviceId": 5})
    assert out.getvalue() == "plua2 up: serving http://x/\n"
    assert err.getvalue() == "plua2 up: a problem\n"


def test_json_lines() -> None:
    p, out, err = printer(LogFormat.JSON)
    p.say("serving http://x/", stdout=True, event="serving", url="http://x")
    p.say("a problem", level="error")
    p.console_line({"type": "warning", "tag": "plua2", "message": "dropped", "deviceId": 5})
    p.console_line({"type": "debug", "tag": "Light", "message": "on\nand on", "deviceId": 6})
    assert err.getvalue() == ""
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    for record in records:
        assert list(record)[0] == "ts" and list(record)[-1] == "message"
        del record["ts"]
    assert records == [
        {"level": "info", "source": "supervisor", "event": "serving", "url": "http://x",
         "message": "serving http://x/"},
        {"level": "error", "source": "supervisor", "message": "a problem"},
        {"level": "warning", "source": "supervisor", "deviceId": 5, "tag": "plua2",
         "message": "dropped"},
        {"level": "debug", "source": "quickapp", "deviceId": 6, "tag": "Light",
         "message": "on\nand on"},
    ]  # fmt: skip


def test_logger_records_go_through_the_printer() -> None:
    p, out, _ = printer(LogFormat.JSON)
    name = "plua2-test-logger"
    p.install_logging(name)
    try:
        logging.getLogger(f"{name}.child").warning(
            "QuickApp %s crashed in %s: %s", 5001, "init", "x"
        )
    finally:
        logging.getLogger(name).handlers.clear()
    record = json.loads(out.getvalue())
    assert record["level"] == "warning" and record["deviceId"] == 5001
    assert record["message"] == "QuickApp 5001 crashed in init: x"


def test_a_closed_stream_loses_the_line_not_the_run() -> None:
    out = io.StringIO()
    out.close()
    LogPrinter(LogFormat.JSON, out=out).say("lost")
