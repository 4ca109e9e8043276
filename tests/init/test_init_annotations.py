"""The `---@meta` annotations of the QuickApp API (lua_runtime/annotations/) parse, are well formed,
and match what the runtime defines: every global and member a QuickApp sees is annotated, every
annotated function exists, and parameter lists are the runtime's own (names and `...`).

lua-language-server is not installable here (no Debian, PyPI or npm package ships it), so the
files are checked with lupa's Lua 5.3 `load` (syntax) and luals_annotations.py (the tags)."""

from __future__ import annotations

from pathlib import Path

import lupa.lua53 as lua53
import pytest
from luals_annotations import Annotations, TypeSyntaxError, check, parse_type, read_annotations
from runtime_api import ApiEntry, runtime_api

REPO = Path(__file__).resolve().parents[2]
ANNOTATION_FILES = sorted((REPO / "lua_runtime" / "annotations").glob("*.lua"))
#: runtime globals that are not HC3 API: plua2's host-function bridge
PRIVATE_GLOBALS = {"_PY"}
#: annotated for completion, written by the user (the runtime has no default)
USER_WRITTEN = {"QuickApp:onInit", "QuickAppChild:onInit"}


@pytest.fixture(scope="module")
def annotations() -> Annotations:
    return read_annotations(ANNOTATION_FILES)


@pytest.fixture(scope="module")
def quickapp_api() -> dict[str, ApiEntry]:
    """What a QuickApp sees (its own sandbox)."""
    return runtime_api("quickapp")


@pytest.fixture(scope="module")
def signatures() -> dict[str, ApiEntry]:
    """The same runtime in the script sandbox, where debug.getlocal gives parameter names."""
    return runtime_api("script")


def test_there_are_annotation_files() -> None:
    names = {p.name for p in ANNOTATION_FILES}
    assert {"fibaro.lua", "quickapp.lua", "net.lua", "json.lua", "mqtt.lua"} <= names


@pytest.mark.parametrize("path", ANNOTATION_FILES, ids=lambda p: p.name)
def test_annotation_file_is_lua_53(path: Path) -> None:
    lua = lua53.LuaRuntime(unpack_returned_tuples=True)
    compile_chunk = lua.eval("function(s, n) local f, e = load(s, n, 't') return f ~= nil, e end")
    ok, message = compile_chunk(path.read_text(encoding="utf-8"), "@" + path.name)
    assert ok, message


def test_annotations_are_well_formed(annotations: Annotations) -> None:
    assert check(annotations) == []


def test_every_quickapp_global_is_annotated(
    annotations: Annotations, quickapp_api: dict[str, ApiEntry]
) -> None:
    globals_ = {p for p in quickapp_api if "." not in p and ":" not in p and p != "<missing>"}
    assert {"fibaro", "api", "net", "json", "plugin", "QuickApp", "__TAG", "quickApp"} <= globals_
    missing = sorted(globals_ - PRIVATE_GLOBALS - annotations.globals)
    assert missing == []


def test_every_member_is_annotated(
    annotations: Annotations, quickapp_api: dict[str, ApiEntry]
) -> None:
    members = [p for p in quickapp_api if ("." in p or ":" in p)]
    assert "fibaro.call" in members and "HTTPClient:request" in members
    missing = []
    for path in members:
        owner, sep, member = path.rpartition(":") if ":" in path else path.rpartition(".")
        if member.startswith("_") and member != "__init":
            continue  # private state of an object (_h, _listeners, ...)
        if sep == ":":
            if member not in annotations.class_members(owner):
                missing.append(path)
        elif not annotations.declares(path):
            missing.append(path)
    assert missing == []


def _annotated_params(annotations: Annotations, path: str) -> list[str] | None:
    if path.startswith("hub."):
        path = "fibaro." + path[4:]
    decl = annotations.functions.get(path)
    return None if decl is None else decl.params


def test_signatures_match_the_runtime(
    annotations: Annotations, signatures: dict[str, ApiEntry]
) -> None:
    differences = []
    compared = 0
    for path, entry in sorted(signatures.items()):
        if entry.params is None:
            continue
        annotated = _annotated_params(annotations, path)
        if annotated is None:
            continue  # not a function of the API (a field), or reported by the test above
        params = list(entry.params)
        if ":" in path:
            assert params[:1] == ["self"], path
            params = params[1:]
        params = [p.lstrip("_") for p in params] + (["..."] if entry.vararg else [])
        compared += 1
        if params != annotated:
            differences.append(f"{path}: runtime {params}, annotated {annotated}")
    assert compared > 100
    assert differences == []


def test_every_annotated_function_exists(
    annotations: Annotations, signatures: dict[str, ApiEntry]
) -> None:
    pending = set()
    if "mqtt" not in signatures:  # mqtt.Client lands separately (issue 7, item 1)
        pending = {p for p in annotations.functions if p.startswith(("mqtt.", "MqttClient:"))}
    extra = [
        path
        for path in annotations.functions
        if path not in signatures and path not in USER_WRITTEN | pending
    ]
    assert extra == []


# ------------------------------------------------------------------ the checker catches mistakes


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "bad.lua"
    path.write_text(text, encoding="utf-8")
    return check(read_annotations([path]))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---@param x number\nfunction f(x) end\n", "must be ---@meta"),
        ("---@meta\n---@param y number\nfunction f(x) end\n", "y is not a parameter of f"),
        ("---@meta\n---@param x number\nfunction f(x, z) end\n", "no ---@param for z"),
        ("---@meta\n---@param b number\n---@param a number\nfunction f(a, b) end\n", "order"),
        ("---@meta\n---@param x Missing\nfunction f(x) end\n", "undefined type 'Missing'"),
        ("---@meta\n---@return fun(a: string\nfunction f() end\n", "bad type"),
        ("---@meta\n---@return table<string\nfunction f() end\n", "bad type"),
        ("---@meta\n---@field x number\nX = {}\n", "outside a ---@class"),
        ("---@meta\n---@class A: B\nA = {}\n", "undefined type 'B'"),
        ("---@meta\n---@class A\nA = {}\n---@class A\nB = {}\n", "already defined"),
        ("---@meta\n---@parm x number\nfunction f(x) end\n", "unknown tag"),
        ("---@meta\n---@param x number\nlocal y = 1\n", "above an assignment"),
        ("---@meta\nlocal T = {}\nfunction T:m() end\n", "T is not a table with a ---@class"),
    ],
)
def test_checker_reports(tmp_path: Path, text: str, expected: str) -> None:
    problems = _problems(tmp_path, text)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    "text",
    [
        "string",
        "string|nil",
        "integer[]?",
        "table<string, table<string, string|function>>",
        "fun(self: QuickAppBase, event: UIEvent)",
        "fun(data: string, ip: string, port: integer): boolean, string",
        "fun(...: any)",
        '"armed"|"disarmed"|nil',
        "{[1]: string, [2]: integer}|{topic: string, qos?: integer}",
        "(string|number)[]",
    ],
)
def test_type_parser_accepts(text: str) -> None:
    _names, rest = parse_type(text + " a description")
    assert rest == "a description"


@pytest.mark.parametrize("text", ["", "|string", "fun(", "{a: }", "table<string,>", "string)"])
def test_type_parser_rejects(text: str) -> None:
    with pytest.raises(TypeSyntaxError):
        parse_type(text)
