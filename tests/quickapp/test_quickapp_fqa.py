""".fqa build and read, `load_quickapp`, and the unpack/pack round trip (fqa, quickapp_project)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from plua2.fibaro_api.fqa import build_fqa, dumps_fqa, load_fqa, parse_fqa, read_fqa
from plua2.fibaro_api.quickapp_errors import FqaError, HeaderError, QuickAppSourceError
from plua2.fibaro_api.quickapp_project import END_OF_HEADERS, load_quickapp, unpack_files
from plua2.fibaro_api.quickapp_source import QuickAppSource, source_from_lua
from plua2.fibaro_api.quickapp_ui import build_ui_view
from quickapp_helpers import EXAMPLES, check_schema, load_spec, schema

PANEL = EXAMPLES / "panel" / "main.lua"
EXPORT = EXAMPLES / "hc3_export.fqa"


def write_project(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text, encoding="utf-8", newline="")
    return directory / "main.lua"


def test_lua_project_loads_into_a_quickapp_source() -> None:
    source = load_quickapp(PANEL)
    assert isinstance(source, QuickAppSource)
    assert source.name == "UI Panel" and source.type == "com.fibaro.binarySwitch"
    assert [(f.name, f.is_main, f.is_open) for f in source.files] == [
        ("main", True, True),
        ("utils", False, False),
    ]
    assert source.main_file.content == PANEL.read_text()  # whole, so line numbers match
    assert "Utils.greeting" in source.files[1].content
    assert source.initial_interfaces == ("energy", "power")
    assert source.quick_app_variables[0] == {"name": "ip", "value": "192.168.1.10"}
    assert source.initial_properties["userDescription"].startswith("A panel")
    assert {c["callback"] for c in source.ui_callbacks} >= {"turnOn", "setLevel", "setDays"}
    assert source.view_layout["$jason"]["body"]["sections"]["items"]
    assert len(source.ui_view) == len(source.ui_rows) == 6
    assert source.use_ui_view is False
    assert source.warnings == ()


def test_built_fqa_has_the_hc3_export_shape() -> None:
    fqa = build_fqa(load_quickapp(PANEL))
    assert list(fqa) == [
        "name",
        "type",
        "apiVersion",
        "initialProperties",
        "initialInterfaces",
        "files",
    ]
    props = fqa["initialProperties"]
    for key in (
        "apiVersion",
        "quickAppVariables",
        "typeTemplateInitialized",
        "uiCallbacks",
        "uiView",
        "useUiView",
        "viewLayout",
    ):
        assert key in props
    assert props["typeTemplateInitialized"] is True
    main = fqa["files"][0]
    assert main["name"] == "main" and main["isMain"] is True and main["type"] == "lua"
    assert "--%%" not in main["content"] and END_OF_HEADERS not in main["content"]
    assert main["content"].lstrip().startswith("function QuickApp:onInit()")
    assert json.loads(dumps_fqa(fqa)) == fqa


def test_built_fqa_fits_the_quickapp_openapi_schemas() -> None:
    spec = load_spec("quickapp.json")
    fqa = build_fqa(load_quickapp(PANEL))
    check_schema(fqa, schema(spec, "CreateQuickAppRequest"), spec, "fqa")
    for index, file in enumerate(fqa["files"]):
        check_schema(file, schema(spec, "QuickAppFileDetails"), spec, f"files[{index}]")
        assert set(file) == set(schema(spec, "QuickAppFileDetails")["properties"])


def test_string_variables_fit_the_device_properties_schema(tmp_path: Path) -> None:
    devices = load_spec("devices.json")
    main = write_project(tmp_path, {"main.lua": '--%%var=ip:"10.0.0.1"\n--%%var:user="bob"\n'})
    props = build_fqa(load_quickapp(main))["initialProperties"]
    spec_props = schema(devices, "DevicePropertiesDto")["properties"]
    check_schema(props["quickAppVariables"], spec_props["quickAppVariables"], devices)


def test_real_hc3_export_loads_into_a_quickapp_source() -> None:
    data = json.loads(EXPORT.read_text())
    source = load_quickapp(EXPORT)
    assert source.name == "Hall light" and source.api_version == "1.2"
    assert source.initial_properties == data["initialProperties"]
    assert source.initial_interfaces == ("energy", "power")
    assert [f.name for f in source.files] == ["main", "utils"] and source.main_file.is_main
    assert source.ui_rows == (
        (
            {"button": "btnOn", "text": "On", "onReleased": "turnOn"},
            {"button": "btnOff", "text": "Off", "onReleased": "turnOff"},
        ),
        ({"slider": "dim", "onChanged": "dimChanged"},),
        ({"label": "status", "text": "Status"},),
    )
    assert source.warnings == ()
    # exporting it again gives the same back (the HC3 adds a file's type on export)
    again = build_fqa(source)
    data["files"][0]["type"] = "lua"
    assert again == data


def test_real_export_unpack_then_pack_gives_the_same_files_and_properties(tmp_path: Path) -> None:
    original = load_fqa(EXPORT)
    files, warnings = unpack_files(original)
    assert warnings == [
        "apiVersion 1.2 becomes 1.3 when packed",
        "uiView is empty; packing builds it from the UI rows",
    ]
    repacked = build_fqa(load_quickapp(write_project(tmp_path, files)))
    before = build_fqa(original)
    assert repacked["files"] == before["files"]
    assert repacked["initialInterfaces"] == before["initialInterfaces"]
    props, old = repacked["initialProperties"], before["initialProperties"]
    for key in old:
        if key not in ("apiVersion", "viewLayout", "uiView"):
            assert props[key] == old[key], key
    # the layout is rebuilt from rows: same rows, only the device title differs; the empty
    # uiView of the export is now built from the same rows
    assert props["uiView"] == build_ui_view(load_fqa(EXPORT).ui_rows)
    assert (
        props["viewLayout"]["$jason"]["body"]["sections"]
        == old["viewLayout"]["$jason"]["body"]["sections"]
    )


def test_pack_unpack_pack_is_identical(tmp_path: Path) -> None:
    first = build_fqa(load_quickapp(PANEL))
    files, warnings = unpack_files(read_fqa(copy.deepcopy(first), "panel.fqa"))
    assert warnings == []
    second = build_fqa(load_quickapp(write_project(tmp_path, files)))
    assert dumps_fqa(second) == dumps_fqa(first)


def test_round_trip_keeps_odd_values_and_code_with_its_own_headers(tmp_path: Path) -> None:
    fqa: dict[str, Any] = {
        "name": "  spaced name ",
        "type": "com.fibaro.temperatureSensor",
        "apiVersion": "1.3",
        "initialProperties": {
            "apiVersion": "1.3",
            "quickAppVariables": [
                {"name": "multi\nline", "value": "a\nb"},
                {"name": "n", "value": None},
                {"name": "t", "value": {"k": [1, 2.5, "x"]}},
            ],
            "typeTemplateInitialized": True,
            "uiCallbacks": [],
            "uiView": [],
            "useUiView": True,
            "viewLayout": {"$jason": {"head": {}, "body": {"sections": {"items": []}}}},
            "userDescription": "two\nlines",
            "buildNumber": "12",
            "value": 21.5,
            "unit": "C",
        },
        "initialInterfaces": [],
        "files": [
            {
                "name": "main",
                "isMain": True,
                "isOpen": True,
                "type": "lua",
                "content": "--%%name=Stale\r\nprint('crlf kept')\r\n",
            },
            {"name": "Utils", "isMain": False, "isOpen": False, "type": "lua", "content": "x=1"},
            {"name": "utils", "isMain": False, "isOpen": False, "type": "lua", "content": "y=2"},
        ],
    }
    files, _ = unpack_files(read_fqa(copy.deepcopy(fqa), "odd.fqa"))
    assert sorted(files) == ["Utils.lua", "main.lua", "utils_1.lua"]
    repacked = build_fqa(load_quickapp(write_project(tmp_path, files)))
    assert repacked["files"] == fqa["files"]
    assert repacked["name"] == fqa["name"] and repacked["type"] == fqa["type"]
    props = repacked["initialProperties"]
    for key in ("quickAppVariables", "useUiView", "userDescription", "buildNumber", "value"):
        assert props[key] == fqa["initialProperties"][key], key


# ---- reading refuses what is not an .fqa ------------------------------------------------------

GOOD: dict[str, Any] = {
    "name": "QA",
    "type": "com.fibaro.binarySwitch",
    "files": [{"name": "main", "isMain": True, "content": "print(1)"}],
}


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d.pop("name"), "name: expected a non-empty string"),
        (lambda d: d.update(type=3), "type: expected a non-empty string"),
        (lambda d: d.pop("files"), "files: missing"),
        (lambda d: d.update(files=[]), "files: expected a non-empty list"),
        (lambda d: d.update(files="main"), "files: expected a non-empty list"),
        (lambda d: d["files"].append(5), "files[1]: expected an object"),
        (lambda d: d["files"][0].update(content=None), "files[0].content: expected a string"),
        (lambda d: d["files"][0].update(name="../evil"), "files[0].name: expected a plain file"),
        (lambda d: d["files"][0].update(isMain="yes"), "files[0].isMain: expected true or false"),
        (lambda d: d["files"][0].update(isMain=False, name="x"), "no main file"),
        (
            lambda d: d["files"].append({"name": "b", "isMain": True, "content": ""}),
            "2 files have isMain",
        ),
        (
            lambda d: d["files"].append({"name": "main", "content": ""}),
            "two files named 'main'",
        ),
        (lambda d: d.update(initialProperties=[]), "initialProperties: expected an object"),
        (
            lambda d: d.update(initialProperties={"quickAppVariables": {}}),
            "initialProperties.quickAppVariables: expected a list",
        ),
        (
            lambda d: d.update(initialProperties={"uiCallbacks": [{"name": "b"}]}),
            "initialProperties.uiCallbacks[0].eventType: expected a str",
        ),
        (lambda d: d.update(initialInterfaces=[1]), "initialInterfaces: expected a list"),
    ],
)
def test_bad_shapes_are_fqa_errors_naming_the_place(change: Any, fragment: str) -> None:
    data = copy.deepcopy(GOOD)
    change(data)
    with pytest.raises(FqaError) as info:
        read_fqa(data, "x.fqa")
    assert str(info.value).startswith("x.fqa: ")
    assert fragment in str(info.value)


def test_not_json_and_not_an_object() -> None:
    with pytest.raises(FqaError, match=r"x.fqa: not JSON \(line 1, column 1"):
        parse_fqa("garbage", "x.fqa")
    with pytest.raises(FqaError, match="expected a JSON object"):
        parse_fqa("[1, 2]", "x.fqa")


def test_lenient_where_the_hc3_is() -> None:
    data = {
        "name": "QA",
        "type": "com.fibaro.binarySwitch",
        "initialProperties": {"files": [{"name": "main", "content": "print(1)"}]},
    }
    source = read_fqa(data)
    assert source.main_file.name == "main" and source.main_file.type == "lua"
    assert "files" not in source.initial_properties
    assert source.api_version == "1.2"


def test_load_quickapp_refuses_other_files_and_missing_ones(tmp_path: Path) -> None:
    with pytest.raises(QuickAppSourceError, match="expected a .lua or .fqa"):
        load_quickapp(tmp_path / "qa.txt")
    with pytest.raises(QuickAppSourceError, match="no such file"):
        load_quickapp(tmp_path / "missing.lua")
    with pytest.raises(QuickAppSourceError, match="no such file"):
        load_quickapp(tmp_path / "missing.fqa")


def test_missing_extra_file_names_the_directive(tmp_path: Path) -> None:
    main = write_project(tmp_path, {"main.lua": "--%%file=lib/nope.lua,nope\n"})
    with pytest.raises(QuickAppSourceError, match=r"--%%file lib/nope.lua: no such file"):
        source_from_lua(main)


def test_extra_files_resolve_beside_the_main_file(tmp_path: Path, monkeypatch: Any) -> None:
    main = write_project(
        tmp_path / "qa", {"main.lua": "--%%file=lib/u.lua,u\n", "lib/u.lua": "U = 1\n"}
    )
    monkeypatch.chdir(tmp_path)
    assert load_quickapp(main).files[1].content == "U = 1\n"


def test_header_error_surfaces_from_load(tmp_path: Path) -> None:
    main = write_project(tmp_path, {"main.lua": "--%%name=A\n--%%var=x:{\n"})
    with pytest.raises(HeaderError, match=r"main.lua:2: "):
        load_quickapp(main)


def test_default_name_is_the_file_stem(tmp_path: Path) -> None:
    main = write_project(tmp_path, {"main.lua": "print(1)\n"})
    assert load_quickapp(main).name == "main"


def test_managed_properties_cannot_be_overridden(tmp_path: Path) -> None:
    main = write_project(tmp_path, {"main.lua": "--%%properties={uiCallbacks={},value=1}\n"})
    source = load_quickapp(main)
    assert source.initial_properties["uiCallbacks"] == []
    assert source.initial_properties["value"] == 1
    assert any("cannot set uiCallbacks" in w for w in source.warnings)
