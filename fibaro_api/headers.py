"""The `--%%` header directives of a QuickApp's main .lua file (`../shared/hc3-api/HEADERS.md`).

Theory of operation
-------------------
Headers are Lua comments, so the same file runs unchanged on a real HC3. `parse_headers` reads
them line by line, stopping after an end-of-header marker (a comment holding `EOH`,
`ENDOFHEADERS` or `ENDOFDIRECTIVES`); without one, every `--%%` line of the file counts. Both
spellings are one grammar: after `--%%key` the first `:` or `=` separates the value, so
`--%%name=X` and `--%%name:X` are the same, as are `--%%var=ip:"1.2.3.4"` and
`--%%var:ip="1.2.3.4"`. Numbered UI rows `--%%u1=` .. and the old `--FILE:path,name;` are read too.

Values of `var`, `property`, `properties`, `u`, `interfaces`, `id` and `useUiView` are Lua
expressions; `headers_literal` parses the literals among them and nothing is ever executed. A
non-literal expression (`config.ip`) keeps its raw text as `RawLua` with a warning. The other
values (`name`, `type`, the metadata) are raw text; a quoted Lua string is unquoted.

What goes wrong is sorted in two: bad syntax in a value is a `HeaderError` (path:line) that stops
the load; anything plua2 can go on without (an unknown directive, a repeated `name`, a directive
from another emulator that plua2 does not use but understands, such as `include`) is a
`HeaderWarning` collected on the result. Directives of other emulators that do not change what
runs on an HC3 (`debug`, `proxy`, `offline`, `time`, ...) are kept raw in `other`, silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .headers_literal import LuaLiteralError, NotALiteral, parse_lua_literal
from .quickapp_errors import HeaderError
from .quickapp_ui import UIRow, normalize_row

__all__ = [
    "DEFAULT_TYPE",
    "HeaderError",
    "HeaderWarning",
    "QuickAppHeaders",
    "RawLua",
    "parse_headers",
    "strip_headers",
]

DEFAULT_TYPE = "com.fibaro.binarySwitch"

#: header directive -> the HC3 initialProperties name it fills
METADATA_DIRECTIVES = {
    "uid": "quickAppUuid",
    "manufacturer": "manufacturer",
    "model": "model",
    "role": "deviceRole",
    "description": "userDescription",
    "build": "buildNumber",
}
#: directives of other emulators that change nothing on an HC3: kept raw in `other`, no warning
_OTHER_DIRECTIVES = frozenset(
    "conceal clobber proxy proxy_new proxy_set_ui mode offline remote allRemote state db save "
    "project time speed instant maxhours latitude longitude location debug breakOnLoad "
    "breakOnInit nodebug webui desktop logui dark color silent condensedLog loglength warn trace "
    "syslog exit exit0 norun keep-alive pport wport hport dport url user pwd pin install scene "
    "trigger".split()
)
#: plua2's own run settings (read by the supervisor from the main file): kept raw, no warning
_PLUA2_DIRECTIVES = frozenset({"budget", "maxMemory"})
#: understood, but plua2 cannot honour them: kept in `other`, with a warning
_UNSUPPORTED = {
    "include": "--%%include is not supported by plua2; put the directives in this file",
    "headers": "--%%headers is not supported by plua2; put the directives in this file",
}

_DIRECTIVE = re.compile(r"^\s*--%%\s*([A-Za-z_][\w-]*)\s*(?:([:=])(.*))?$")
_OLD_FILE = re.compile(r"^\s*--(FILE|IMAGE):(.*)$")
_END_MARKER = re.compile(r"^\s*--.*(?:\bEOH\b|ENDOFHEADERS|ENDOFDIRECTIVES)")
_NUMBERED_ROW = re.compile(r"u\d+")
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_\-. ]{0,99}")  # as fqa.py accepts


@dataclass(frozen=True)
class RawLua:
    """A Lua expression plua2 does not evaluate (not a literal); `text` is its source."""

    text: str


@dataclass(frozen=True)
class HeaderWarning:
    """Something in the headers plua2 went on without."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class QuickAppHeaders:
    """What the `--%%` lines of one main file say. Values are JSON-able (or `RawLua`)."""

    name: str | None = None
    type: str = DEFAULT_TYPE
    id: int | None = None
    variables: tuple[tuple[str, Any], ...] = ()
    files: tuple[tuple[str, str], ...] = ()  # (path as written, HC3 file name)
    interfaces: tuple[str, ...] = ()
    properties: dict[str, Any] = field(default_factory=dict)
    ui_rows: tuple[UIRow, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)  # HC3 names: quickAppUuid, ...
    use_ui_view: bool | None = None
    other: dict[str, str] = field(default_factory=dict)
    warnings: tuple[HeaderWarning, ...] = ()


def _unquote(value: str) -> str:
    if value[:1] in ("'", '"') or value.startswith("[["):
        try:
            parsed = parse_lua_literal(value)
        except LuaLiteralError:
            return value
        if isinstance(parsed, str):
            return parsed
    return value


def _split_file(value: str) -> tuple[str, str]:
    value = value.strip().rstrip(";").strip()
    for sep in (",", ";"):
        if sep in value:
            path, name = value.split(sep, 1)
            return path.strip(), name.strip()
    if ":" in value:
        path, name = value.rsplit(":", 1)
        return path.strip(), name.strip()
    stem = value.replace("\\", "/").rsplit("/", 1)[-1]
    return value, stem.rsplit(".", 1)[0]


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.line = 0
        self.fields: dict[str, Any] = {}
        self.variables: dict[str, Any] = {}
        self.files: list[tuple[str, str]] = []
        self.interfaces: list[str] = []
        self.properties: dict[str, Any] = {}
        self.rows: list[UIRow] = []
        self.metadata: dict[str, Any] = {}
        self.other: dict[str, str] = {}
        self.warnings: list[HeaderWarning] = []

    def warn(self, message: str) -> None:
        self.warnings.append(HeaderWarning(self.path, self.line, message))

    def error(self, message: str) -> HeaderError:
        return HeaderError(self.path, self.line, message)

    def lua(self, key: str, text: str) -> Any:
        """The literal value of `text`, a `RawLua` (with a warning), or a HeaderError."""
        try:
            return parse_lua_literal(text)
        except NotALiteral as exc:
            self.warn(
                f"--%%{key}: {text.strip()!r} is a Lua expression, not a literal; plua2 does "
                f"not evaluate header expressions ({exc.message}); the raw text is kept"
            )
            return RawLua(text.strip())
        except LuaLiteralError as exc:
            raise self.error(f"--%%{key}: bad Lua value {text.strip()!r}: {exc}") from None

    def once(self, key: str, value: Any) -> None:
        if key in self.fields:
            self.warn(f"--%%{key} repeated; the last one counts")
        self.fields[key] = value

    def named(self, key: str, rest: str) -> tuple[str, Any] | None:
        match = re.match(r"\s*([^:=\s]+)\s*[:=](.*)$", rest, re.S)
        if match is None:
            raise self.error(f"--%%{key} needs name:value (or name=value), got {rest.strip()!r}")
        name, text = match.groups()
        if key == "var" and "," in text and text.rstrip().endswith(('"', "'")):
            # flua's optional `,"<placeholder>"` after the value
            head = text.rsplit(",", 1)[0]
            try:
                parse_lua_literal(head)
                text = head
            except LuaLiteralError:
                pass
        return name, self.lua(key, text)

    def directive(self, key: str, value: str | None) -> None:
        if value is None:
            if key in _OTHER_DIRECTIVES or key in _PLUA2_DIRECTIVES:
                self.other[key] = ""
            else:
                self.warn(f"--%%{key} without ':' or '=' and a value; ignored")
            return
        value = value.strip()
        if key in ("name", "type"):
            self.once(key, _unquote(value))
        elif key == "id":
            parsed = self.lua(key, value)
            if isinstance(parsed, RawLua):
                return
            if isinstance(parsed, bool) or not isinstance(parsed, int) or parsed <= 0:
                raise self.error(f"--%%id must be a positive integer, got {value!r}")
            self.once(key, parsed)
        elif key == "useUiView":
            parsed = self.lua(key, value)
            if isinstance(parsed, RawLua):
                return
            if not isinstance(parsed, bool):
                raise self.error(f"--%%useUiView must be true or false, got {value!r}")
            self.once(key, parsed)
        elif key == "var":
            named = self.named(key, value)
            assert named is not None
            if named[0] in self.variables:
                self.warn(f"--%%var {named[0]} repeated; the last one counts")
            self.variables[named[0]] = named[1]
        elif key == "quickVars":  # TQAE: --%%quickVars={x=1}
            parsed = self.lua(key, value)
            if isinstance(parsed, dict):
                self.variables.update({str(k): v for k, v in parsed.items()})
            elif parsed != []:
                raise self.error("--%%quickVars must be a table of name=value")
        elif key in ("file",):
            self.add_file(value)
        elif key in ("interfaces", "interface"):
            parsed = self.lua(key, value)
            names = [parsed] if isinstance(parsed, str) else parsed
            if isinstance(names, RawLua):
                return
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise self.error(f'--%%{key} must be a list of names, e.g. {{"energy"}}')
            self.interfaces.extend(n for n in names if n not in self.interfaces)
        elif key == "properties":
            parsed = self.lua(key, value)
            if isinstance(parsed, RawLua) or parsed == []:
                return
            if not isinstance(parsed, dict) or not all(isinstance(k, str) for k in parsed):
                raise self.error("--%%properties must be a table of name=value")
            self.properties.update(parsed)
        elif key == "property":
            named = self.named(key, value)
            assert named is not None
            if not isinstance(named[1], RawLua):
                self.properties[named[0]] = named[1]
        elif key == "u" or _NUMBERED_ROW.fullmatch(key):
            parsed = self.lua(key, value)
            if isinstance(parsed, RawLua):
                return
            try:
                row, problems = normalize_row(parsed)
            except ValueError as exc:
                raise self.error(f"--%%{key}: {exc}") from None
            for problem in problems:
                self.warn(f"--%%{key}: {problem}")
            self.rows.append(row)
        elif key in METADATA_DIRECTIVES:
            text: Any = _unquote(value)
            if key == "build" and text.isdigit() and text == value:
                text = int(text)
            self.metadata[METADATA_DIRECTIVES[key]] = text
        elif key in _UNSUPPORTED:
            self.other[key] = value
            self.warn(_UNSUPPORTED[key])
        elif key in _OTHER_DIRECTIVES or key in _PLUA2_DIRECTIVES:
            self.other[key] = value
        else:
            self.warn(f"unknown directive --%%{key}; ignored")

    def add_file(self, value: str) -> None:
        path, name = _split_file(value)
        if not path or not name:
            raise self.error(f"--%%file needs path,name; got {value!r}")
        if path.startswith("$"):
            self.warn(f"--%%file {path}: bundled libraries ($name) are not supported; skipped")
            return
        if not _FILE_NAME.fullmatch(name):
            raise self.error(
                f"--%%file: {name!r} is not a plain HC3 file name (letters, digits, _)"
            )
        if any(n == name for _, n in self.files):
            raise self.error(f"--%%file: two files named {name!r}")
        self.files.append((path, name))


def parse_headers(text: str, path: str = "<string>") -> QuickAppHeaders:
    """Read the `--%%` directives of a main file's text; `path` is only for messages."""
    reader = _Reader(path)
    for number, line in enumerate(text.splitlines(), start=1):
        reader.line = number
        directive = _DIRECTIVE.match(line)
        if directive:
            key, _sep, value = directive.groups()
            reader.directive(key, value)
            continue
        if line.lstrip().startswith("--%%"):
            reader.warn(f"cannot read directive {line.strip()!r}; ignored")
            continue
        old = _OLD_FILE.match(line)
        if old:
            if old.group(1) == "FILE":
                reader.add_file(old.group(2))
            else:
                reader.warn("--IMAGE: is not supported by plua2; ignored")
            continue
        if _END_MARKER.match(line):
            break
    fields = reader.fields
    return QuickAppHeaders(
        name=fields.get("name"),
        type=fields.get("type") or DEFAULT_TYPE,
        id=fields.get("id"),
        variables=tuple(reader.variables.items()),
        files=tuple(reader.files),
        interfaces=tuple(reader.interfaces),
        properties=reader.properties,
        ui_rows=tuple(reader.rows),
        metadata=reader.metadata,
        use_ui_view=fields.get("useUiView"),
        other=reader.other,
        warnings=tuple(reader.warnings),
    )


def strip_headers(text: str) -> str:
    """The text without its header lines (directives, `--FILE:`, the end marker)."""
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    for index, line in enumerate(lines):
        if line.lstrip().startswith("--%%") or _OLD_FILE.match(line):
            continue
        if _END_MARKER.match(line):
            kept.extend(lines[index + 1 :])
            break
        kept.append(line)
    return "".join(kept)
