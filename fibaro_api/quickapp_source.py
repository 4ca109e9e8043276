"""`QuickAppSource`: one QuickApp's code and initial device data, however it was stored.

Theory of operation
-------------------
A QuickApp reaches plua2 as a main `.lua` file with `--%%` headers (plus its `--%%file` files) or as
an `.fqa`. Both become one frozen `QuickAppSource` shaped like the .fqa itself, in HC3 terms: `name`,
`type`, `files` (the main file flagged `is_main`), `initial_properties` (exactly the .fqa's
`initialProperties`: quickAppVariables, viewLayout, uiView, uiCallbacks, useUiView, ...) and
`initial_interfaces`. Whoever creates the device (the home model, on `plua2 up` or
`POST /api/quickApp/import`) reads only this. `ui_rows` is the same UI as `--%%u` rows.

`source_from_lua` builds it from a main file: headers become initialProperties the way an HC3
export carries them; the main file's content is kept whole (headers included) so line numbers in
tracebacks match the file the developer edits (`main_has_headers` tells `fqa.build_fqa` to strip
them when it writes an .fqa). `--%%file` paths are relative to the main file's
folder, else to the current directory.

The dicts inside are plain (JSON-able) and shared: treat them as read-only; `fqa.build_fqa` copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .headers import QuickAppHeaders, RawLua, parse_headers
from .quickapp_errors import QuickAppSourceError
from .quickapp_ui import UIRow, build_ui_callbacks, build_ui_view, build_view_layout

__all__ = [
    "API_VERSION",
    "MANAGED_PROPERTIES",
    "QuickAppFile",
    "QuickAppSource",
    "initial_properties_from_headers",
    "read_text",
    "source_from_lua",
]

API_VERSION = "1.3"
#: initialProperties that plua2 derives from headers; `--%%properties` cannot set them
MANAGED_PROPERTIES = (
    "apiVersion",
    "quickAppVariables",
    "typeTemplateInitialized",
    "uiCallbacks",
    "uiView",
    "useUiView",
    "viewLayout",
)


@dataclass(frozen=True)
class QuickAppFile:
    """One file of a QuickApp, as `/api/quickApp/{id}/files/{name}` shows it."""

    name: str
    content: str
    is_main: bool = False
    is_open: bool = False
    type: str = "lua"

    def to_fqa(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "isMain": self.is_main,
            "isOpen": self.is_open,
            "type": self.type,
            "content": self.content,
        }


@dataclass(frozen=True)
class QuickAppSource:
    """A QuickApp ready to become a device: what an .fqa holds, plus where it came from."""

    name: str
    type: str
    files: tuple[QuickAppFile, ...]
    initial_properties: dict[str, Any]
    initial_interfaces: tuple[str, ...] = ()
    api_version: str = API_VERSION
    device_id: int | None = None  # `--%%id`; an .fqa has none
    path: str | None = None
    ui_rows: tuple[UIRow, ...] = ()
    warnings: tuple[str, ...] = ()
    main_has_headers: bool = False  # from a .lua: `fqa.build_fqa` strips the `--%%` lines

    @property
    def main_file(self) -> QuickAppFile:
        return next(f for f in self.files if f.is_main)

    @property
    def quick_app_variables(self) -> list[dict[str, Any]]:
        return list(self.initial_properties.get("quickAppVariables") or [])

    @property
    def ui_callbacks(self) -> list[dict[str, str]]:
        return list(self.initial_properties.get("uiCallbacks") or [])

    @property
    def view_layout(self) -> dict[str, Any]:
        return dict(self.initial_properties.get("viewLayout") or {})

    @property
    def ui_view(self) -> list[Any]:
        return list(self.initial_properties.get("uiView") or [])

    @property
    def use_ui_view(self) -> bool:
        return bool(self.initial_properties.get("useUiView", False))


def initial_properties_from_headers(headers: QuickAppHeaders) -> dict[str, Any]:
    """The .fqa `initialProperties` that these headers describe."""
    variables = [
        {"name": name, "value": value.text if isinstance(value, RawLua) else value}
        for name, value in headers.variables
    ]
    props: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "quickAppVariables": variables,
        "typeTemplateInitialized": True,
        "uiCallbacks": build_ui_callbacks(headers.ui_rows),
        "uiView": build_ui_view(headers.ui_rows),
        "useUiView": bool(headers.use_ui_view),
        "viewLayout": build_view_layout(headers.ui_rows, headers.id),
    }
    props.update(headers.metadata)
    for key, value in headers.properties.items():
        if key not in MANAGED_PROPERTIES:
            props[key] = value
    return props


def read_text(path: Path) -> str:
    """A source file's text (newlines kept as written); `QuickAppSourceError` if unreadable."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        raise QuickAppSourceError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise QuickAppSourceError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise QuickAppSourceError(f"{path}: cannot read ({exc.strerror})") from None


def _find(main: Path, written: str) -> Path:
    relative = Path(written)
    candidates = [relative] if relative.is_absolute() else [main.parent / relative, relative]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    where = " or ".join(str(c) for c in candidates)
    raise QuickAppSourceError(f"{main}: --%%file {written}: no such file ({where})")


def source_from_lua(path: str | Path) -> QuickAppSource:
    """Read a main .lua file, its headers and its `--%%file` files."""
    main = Path(path)
    text = read_text(main)
    headers = parse_headers(text, str(main))
    warnings = [str(w) for w in headers.warnings]
    for key in headers.properties:
        if key in MANAGED_PROPERTIES:
            warnings.append(f"{main}: --%%properties cannot set {key}; ignored")
    files = [QuickAppFile("main", text, is_main=True, is_open=True)]
    for written, name in headers.files:
        if name == "main":
            raise QuickAppSourceError(f"{main}: --%%file {written}: 'main' is the main file")
        files.append(QuickAppFile(name, read_text(_find(main, written))))
    return QuickAppSource(
        name=headers.name or main.stem,
        type=headers.type,
        files=tuple(files),
        initial_properties=initial_properties_from_headers(headers),
        initial_interfaces=headers.interfaces,
        device_id=headers.id,
        path=str(main),
        ui_rows=headers.ui_rows,
        warnings=tuple(warnings),
        main_has_headers=True,
    )
