"""How `plua2 up` prints: plain text lines (the default) or one JSON object a line.

Theory of operation
-------------------
Everything `plua2 up` prints goes through one `LogPrinter` (`printer`, configured once by `plua2 up`
from `--log-format` / `PLUA2_LOG_FORMAT`): its own lines through `say`, the `plua2` logger's
records (worker crashes, stderr lines of QuickApps) through the handler that `install_logging`
puts on that logger, and, in JSON, every console line of every QuickApp through `console_line`
(a listener on the home's console).

- **text**: what `plua2 up` always printed: `plua2 up: <message>` on stderr, or on stdout for the
  `serving` and `ready` lines. QuickApp console lines are not printed (they are in
  `/api/debugMessages` and the dashboard), so a terminal stays quiet.
- **json**: one object a line, all on stdout (one stream keeps the order):
  `{"ts", "level", "source", "message"}` plus `deviceId` and `tag` where known, and `event` on the
  supervisor lines a program may wait for (`serving` with `url`, `ready` with `quickapps`,
  `summary` with `failures`). `ts` is wall-clock time, ISO 8601 UTC with milliseconds. `level` is
  `debug|trace|info|warning|error`; `source` is `supervisor` for plua2's own lines (its warnings
  on a QuickApp's console included) and `quickapp` for a QuickApp's console lines.

Printing never raises: a closed stream (a reader that went away) loses the line, not the run.
"""

from __future__ import annotations

import enum
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = ["ENV_VAR", "LogFormat", "LogPrinter", "parse_format", "printer"]

ENV_VAR = "PLUA2_LOG_FORMAT"
_LEVELS = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
    logging.CRITICAL: "error",
}


class LogFormat(enum.Enum):
    TEXT = "text"
    JSON = "json"


def parse_format(text: str | None) -> LogFormat:
    """`text` (or empty) or `json`, any case; ValueError for anything else."""
    value = (text or "text").strip().lower()
    try:
        return LogFormat(value)
    except ValueError:
        raise ValueError(f"unknown log format {text!r} (expected text or json)") from None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class LogPrinter:
    """See the module docstring. `out`/`err` default to the current sys.stdout/sys.stderr."""

    def __init__(
        self,
        fmt: LogFormat = LogFormat.TEXT,
        prefix: str = "plua2 up",
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.format = fmt
        self.prefix = prefix
        self._out = out
        self._err = err

    def configure(
        self, fmt: LogFormat, out: TextIO | None = None, err: TextIO | None = None
    ) -> None:
        self.format = fmt
        self._out = out
        self._err = err

    @property
    def json(self) -> bool:
        return self.format is LogFormat.JSON

    def say(
        self,
        message: str,
        *,
        level: str = "info",
        stdout: bool = False,
        event: str | None = None,
        device_id: int | None = None,
        **fields: Any,
    ) -> None:
        """One line of plua2's own (text: `prefix: message`, on stderr unless `stdout`)."""
        if self.json:
            record: dict[str, Any] = {"level": level, "source": "supervisor"}
            if device_id is not None:
                record["deviceId"] = device_id
            if event is not None:
                record["event"] = event
            record.update(fields)
            self.write_json(message, record)
        else:
            self._write(f"{self.prefix}: {message}", stdout=stdout)

    def console_line(self, line: dict[str, Any]) -> None:
        """A QuickApp console line (a DebugMessageDto); printed in JSON only."""
        if not self.json:
            return
        tag = str(line.get("tag", ""))
        record: dict[str, Any] = {
            "level": line.get("type", "debug"),
            "source": "supervisor" if tag == "plua2" else "quickapp",
        }
        if line.get("deviceId") is not None:
            record["deviceId"] = line["deviceId"]
        record["tag"] = tag
        self.write_json(str(line.get("message", "")), record)

    def write_json(self, message: str, fields: dict[str, Any]) -> None:
        record = {"ts": _now(), **fields, "message": message}
        self._write(json.dumps(record, ensure_ascii=False, default=str), stdout=True)

    def _write(self, text: str, *, stdout: bool) -> None:
        stream = (self._out or sys.stdout) if stdout else (self._err or sys.stderr)
        try:
            stream.write(text + "\n")
            stream.flush()
        except (OSError, ValueError):
            pass

    def install_logging(self, logger_name: str = "plua2") -> None:
        """Route the `logger_name` logger (INFO and up) through this printer, once."""
        logger = logging.getLogger(logger_name)
        for handler in list(logger.handlers):
            if isinstance(handler, _PrinterHandler):
                logger.removeHandler(handler)
        if logger.handlers:
            return  # someone else (a test) routes it
        logger.addHandler(_PrinterHandler(self))
        logger.setLevel(logging.INFO)
        logger.propagate = False


class _PrinterHandler(logging.Handler):
    def __init__(self, printer: LogPrinter) -> None:
        super().__init__()
        self.printer = printer

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + logging.Formatter().formatException(record.exc_info)
            level = _LEVELS.get(record.levelno, "info")
            self.printer.say(message, level=level, device_id=_device_id(record))
        except Exception:
            self.handleError(record)


def _device_id(record: logging.LogRecord) -> int | None:
    """The QuickApp a record is about: `extra={"deviceId": id}`, or "QuickApp %s ..." with an int."""
    explicit = getattr(record, "deviceId", None)
    if isinstance(explicit, int):
        return explicit
    args = record.args
    if isinstance(record.msg, str) and record.msg.startswith("QuickApp %s") and args:
        first = args[0] if isinstance(args, tuple) else None
        if isinstance(first, int) and not isinstance(first, bool):
            return first
    return None


#: the one printer of this process (`plua2 up` configures it)
printer = LogPrinter()
