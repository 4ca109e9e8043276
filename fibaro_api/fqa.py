"""The .fqa file: a `QuickAppSource` to HC3 export JSON, and an .fqa back to a `QuickAppSource`.

Theory of operation
-------------------
An .fqa is one JSON object (REFERENCE.md §4.1): `name`, `type`, `apiVersion`, `initialProperties`
(quickAppVariables, viewLayout, uiView, uiCallbacks, useUiView, ...), `initialInterfaces` and
`files` (`[{name, isMain, isOpen, type, content}]`).

- `build_fqa(source)` writes that dict, in the order an HC3 export has it, copying every nested
  value. A main file read from .lua loses its header lines (`headers.strip_headers`): the .fqa
  carries the same facts as JSON, and unpack regenerates them.
- `read_fqa(data, path)` checks the shape before trusting anything, and says exactly what is
  wrong (`QA.fqa: files[1].content: expected a string`) in an `FqaError`. It is lenient where an HC3
  is (files may sit in `initialProperties.files`, as older tools write them; a lone file named
  `main` is the main file; `isOpen`/`type` may be absent) and strict where running would go wrong
  (no main file, two files with one name, a file name that is not a plain name). The source keeps
  `initialProperties` exactly as the .fqa had it, so export after import gives the same back.
- `load_fqa(path)` and `parse_fqa(text, path)` add the file and the JSON decoding.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from .headers import strip_headers
from .quickapp_errors import FqaError
from .quickapp_source import QuickAppFile, QuickAppSource, read_text
from .quickapp_ui import rows_from_view

__all__ = ["FqaError", "build_fqa", "dumps_fqa", "load_fqa", "parse_fqa", "read_fqa"]

#: a file name an HC3 accepts and that is safe as a file name on disk
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_\-. ]{0,99}")


def build_fqa(source: QuickAppSource) -> dict[str, Any]:
    """The .fqa (HC3 export) dict of a QuickApp."""
    files = []
    for file in source.files:
        data = file.to_fqa()
        if file.is_main and source.main_has_headers:
            data["content"] = strip_headers(file.content)
        files.append(data)
    return {
        "name": source.name,
        "type": source.type,
        "apiVersion": source.api_version,
        "initialProperties": copy.deepcopy(source.initial_properties),
        "initialInterfaces": list(source.initial_interfaces),
        "files": files,
    }


def dumps_fqa(fqa: dict[str, Any]) -> str:
    """The .fqa as file text: pretty-printed like an HC3 export, UTF-8 kept readable."""
    return json.dumps(fqa, indent=2, ensure_ascii=False) + "\n"


def _fail(path: str, where: str, message: str) -> FqaError:
    return FqaError(f"{path}: {where}: {message}" if where else f"{path}: {message}")


def _files(raw: Any, where: str, path: str) -> tuple[QuickAppFile, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(path, where, "expected a non-empty list of files")
    files: list[QuickAppFile] = []
    for index, item in enumerate(raw):
        at = f"{where}[{index}]"
        if not isinstance(item, dict):
            raise _fail(path, at, "expected an object {name, isMain, content}")
        name, content = item.get("name"), item.get("content")
        if not isinstance(name, str) or not _FILE_NAME.fullmatch(name):
            raise _fail(path, f"{at}.name", f"expected a plain file name, got {name!r}")
        if not isinstance(content, str):
            raise _fail(path, f"{at}.content", "expected a string")
        for flag in ("isMain", "isOpen"):
            if not isinstance(item.get(flag, False), bool):
                raise _fail(path, f"{at}.{flag}", "expected true or false")
        if any(f.name == name for f in files):
            raise _fail(path, f"{at}.name", f"two files named {name!r}")
        kind = item.get("type", "lua")
        if not isinstance(kind, str):
            raise _fail(path, f"{at}.type", "expected a string")
        files.append(
            QuickAppFile(
                name=name,
                content=content,
                is_main=item.get("isMain", False),
                is_open=item.get("isOpen", False),
                type=kind,
            )
        )
    mains = [f for f in files if f.is_main]
    if not mains:
        named_main = [f for f in files if f.name == "main"]
        if not named_main:
            raise _fail(path, where, "no main file (isMain: true, or a file named 'main')")
        files = [
            QuickAppFile(f.name, f.content, True, f.is_open, f.type) if f.name == "main" else f
            for f in files
        ]
    elif len(mains) > 1:
        raise _fail(path, where, f"{len(mains)} files have isMain: true; one must")
    return tuple(files)


def _check_list_of_objects(
    props: dict[str, Any], key: str, fields: dict[str, type], path: str
) -> None:
    value = props.get(key)
    if value is None:
        return
    if not isinstance(value, list):
        raise _fail(path, f"initialProperties.{key}", "expected a list")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise _fail(path, f"initialProperties.{key}[{index}]", "expected an object")
        for field, kind in fields.items():
            if not isinstance(item.get(field), kind):
                raise _fail(
                    path,
                    f"initialProperties.{key}[{index}].{field}",
                    f"expected a {kind.__name__}",
                )


def read_fqa(data: Any, path: str = "<fqa>") -> QuickAppSource:
    """A `QuickAppSource` from a decoded .fqa; `FqaError` if it is not shaped like one."""
    if not isinstance(data, dict):
        raise _fail(path, "", "not an .fqa: expected a JSON object {name, type, files, ...}")
    if "files" not in data and ("encrypted" in data or "fqax" in str(data.get("type", ""))):
        raise _fail(path, "", "encrypted QuickApps (.fqax) cannot be read")
    for key in ("name", "type"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise _fail(path, key, "expected a non-empty string")
    props = data.get("initialProperties", {})
    if not isinstance(props, dict):
        raise _fail(path, "initialProperties", "expected an object")
    if "files" in data:
        files = _files(data["files"], "files", path)
    elif "files" in props:
        files = _files(props["files"], "initialProperties.files", path)
        props = {k: v for k, v in props.items() if k != "files"}
    else:
        raise _fail(path, "files", "missing: an .fqa lists its files (with the main file)")
    interfaces = data.get("initialInterfaces", [])
    if not isinstance(interfaces, list) or not all(isinstance(i, str) for i in interfaces):
        raise _fail(path, "initialInterfaces", "expected a list of interface names")
    _check_list_of_objects(props, "quickAppVariables", {"name": str}, path)
    _check_list_of_objects(
        props, "uiCallbacks", {"name": str, "eventType": str, "callback": str}, path
    )
    api_version = data.get("apiVersion", props.get("apiVersion", "1.2"))
    if not isinstance(api_version, str):
        raise _fail(path, "apiVersion", 'expected a string such as "1.3"')
    warnings = []
    for key, kind in (("viewLayout", dict), ("uiView", list), ("useUiView", bool)):
        if key in props and not isinstance(props[key], kind):
            warnings.append(f"{path}: initialProperties.{key}: not a {kind.__name__}; ignored")
    rows, problems = rows_from_view(
        props.get("viewLayout"),
        props.get("uiView"),
        props.get("uiCallbacks"),
        props.get("useUiView") is True,
    )
    warnings.extend(f"{path}: {p}" for p in problems)
    return QuickAppSource(
        name=data["name"],
        type=data["type"],
        files=files,
        initial_properties=props,
        initial_interfaces=tuple(interfaces),
        api_version=api_version,
        path=path,
        ui_rows=rows,
        warnings=tuple(warnings),
    )


def parse_fqa(text: str, path: str = "<fqa>") -> QuickAppSource:
    """A `QuickAppSource` from .fqa text; `FqaError` if it is not JSON or not an .fqa."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
        raise _fail(path, "", f"not JSON ({where})") from None
    return read_fqa(data, path)


def load_fqa(path: str | Path) -> QuickAppSource:
    """Read an .fqa file."""
    return parse_fqa(read_text(Path(path)), str(path))
