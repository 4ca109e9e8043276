"""A QuickApp on disk: `load_quickapp` for `.lua` and `.fqa` alike, and the files of an unpack.

Theory of operation
-------------------
`load_quickapp(path)` is the one entry the supervisor uses: a `.fqa` goes through `fqa.load_fqa`,
a `.lua` through `quickapp_source.source_from_lua`, and both give the same `QuickAppSource`.

`unpack_files(source)` is the reverse of a `.lua` load, as text (no I/O): `main.lua` with `--%%`
headers regenerated from the source (name, type, id, metadata, interfaces, variables, useUiView,
extra files, UI rows, other initialProperties), closed by an end-of-header marker, then the main
file's code exactly as the .fqa holds it; each other file as `<name>.lua`, named in a
`--%%file=<name>.lua,<name>` line. Because `fqa.build_fqa` strips exactly those header lines (up
to and including the marker), packing the unpacked folder gives the .fqa's code back byte for byte,
even when that code carries `--%%` lines of its own (they sit after the marker and stay inert).

Round trip: unpack then pack gives the same files, interfaces and initialProperties, with these
normalisations (an .fqa written by `plua2 pack` is already normal, so it comes back identical):
viewLayout/uiView/uiCallbacks are rebuilt from the UI rows (so an empty uiView gets the rows
too, and the viewLayout title is `quickApp_device_<--%%id or 0>`), `apiVersion` becomes "1.3",
`typeTemplateInitialized` and `useUiView` are always present, a file's `isOpen` flag is reset
(main open, others closed), a quickAppVariable's extra fields (`type: "password"`) are dropped and
an empty JSON object inside a value comes back as `[]` (Lua has one empty table). Each of these
is reported in the warnings that `unpack_files` returns.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .fqa import load_fqa
from .headers import METADATA_DIRECTIVES, strip_headers
from .headers_literal import to_lua_literal
from .quickapp_errors import QuickAppSourceError
from .quickapp_source import API_VERSION, MANAGED_PROPERTIES, QuickAppSource, source_from_lua

__all__ = ["END_OF_HEADERS", "load_quickapp", "render_headers", "unpack_files"]

END_OF_HEADERS = "-- ---- EOH ----"
_SAFE_VAR_NAME = re.compile(r"[^:=\s,]+")


def load_quickapp(path: str | Path) -> QuickAppSource:
    """A QuickApp from a main `.lua` file (with `--%%` headers) or an `.fqa` file."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix == ".fqa":
        return load_fqa(file)
    if suffix == ".lua":
        return source_from_lua(file)
    raise QuickAppSourceError(f"{file}: not a QuickApp (expected a .lua or .fqa file)")


def _raw(text: str) -> str:
    """A header value written raw when that reads back the same, else as a Lua string."""
    plain = text == text.strip() and text and "\n" not in text and "\r" not in text
    if plain and not text.startswith(("'", '"', "[[")):
        return text
    return to_lua_literal(text)


def _has_empty_object(value: Any) -> bool:
    if isinstance(value, dict):
        return not value or any(_has_empty_object(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_empty_object(v) for v in value)
    return False


def _file_names(source: QuickAppSource) -> dict[str, str]:
    """HC3 file name -> file name on disk, unique even on case-insensitive file systems."""
    taken = {"main.lua"}
    names: dict[str, str] = {}
    for file in source.files:
        if file.is_main:
            continue
        candidate, n = f"{file.name}.lua", 1
        while candidate.lower() in taken:
            candidate, n = f"{file.name}_{n}.lua", n + 1
        taken.add(candidate.lower())
        names[file.name] = candidate
    return names


def render_headers(source: QuickAppSource) -> tuple[str, list[str]]:
    """The `--%%` header lines that describe `source`, and what they cannot say."""
    props = source.initial_properties
    lines = [f"--%%name={_raw(source.name)}", f"--%%type={_raw(source.type)}"]
    warnings: list[str] = []
    if source.device_id is not None:
        lines.append(f"--%%id={source.device_id}")
    extra: dict[str, Any] = {}
    for directive, prop in METADATA_DIRECTIVES.items():
        value = props.get(prop)
        if isinstance(value, str) or (directive == "build" and type(value) is int):
            digits = isinstance(value, str) and value.isdigit()
            text = to_lua_literal(value) if digits else _raw(str(value))
            lines.append(f"--%%{directive}={text}")
        elif prop in props:
            extra[prop] = value
    if source.initial_interfaces:
        lines.append(f"--%%interfaces={to_lua_literal(list(source.initial_interfaces))}")
    for variable in source.quick_app_variables:
        name, value = variable["name"], variable.get("value")
        if set(variable) - {"name", "value"}:
            warnings.append(f"quickAppVariable {name!r}: fields other than name/value dropped")
        if _has_empty_object(value):
            warnings.append(f"quickAppVariable {name!r}: an empty object {{}} becomes []")
        if _SAFE_VAR_NAME.fullmatch(name):
            lines.append(f"--%%var={name}:{to_lua_literal(value)}")
        elif value is None:
            warnings.append(f"quickAppVariable {name!r}: a nil value under this name is dropped")
        else:
            lines.append(f"--%%quickVars={to_lua_literal({name: value})}")
    if source.use_ui_view:
        lines.append("--%%useUiView=true")
    for name, disk_name in _file_names(source).items():
        lines.append(f"--%%file={disk_name},{name}")
    for row in source.ui_rows:
        lines.append(f"--%%u={to_lua_literal(row[0] if len(row) == 1 else list(row))}")
    for key, value in props.items():
        if key not in MANAGED_PROPERTIES and key not in METADATA_DIRECTIVES.values():
            extra[key] = value
    if extra:
        if _has_empty_object(list(extra.values())):
            warnings.append("initialProperties: an empty object {} becomes []")
        lines.append(f"--%%properties={to_lua_literal(extra)}")
    if source.api_version != API_VERSION:
        warnings.append(f"apiVersion {source.api_version} becomes {API_VERSION} when packed")
    return "".join(line + "\n" for line in lines), warnings


def unpack_files(source: QuickAppSource) -> tuple[dict[str, str], list[str]]:
    """{file name on disk: text} for a project folder that packs back to `source`; warnings."""
    headers, warnings = render_headers(source)
    code = source.main_file.content
    if source.main_has_headers:
        code = strip_headers(code)
    files = {"main.lua": f"{headers}{END_OF_HEADERS}\n{code}"}
    disk_names = _file_names(source)
    for file in source.files:
        if not file.is_main:
            files[disk_names[file.name]] = file.content
            if file.is_open:
                warnings.append(f"file {file.name!r}: isOpen becomes false when packed")
        elif not file.is_open:
            warnings.append("the main file's isOpen becomes true when packed")
    if len(source.ui_rows) == 0 and (source.ui_callbacks or source.ui_view):
        warnings.append("the UI has no --%%u form; it is dropped")
    elif source.ui_rows and not source.ui_view:
        warnings.append("uiView is empty; packing builds it from the UI rows")
    return files, warnings
