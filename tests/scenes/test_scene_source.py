"""scene_source: `*.scene.lua` files and the HC3's `content` of a Lua scene (pure units)."""

from __future__ import annotations

import json

import pytest
from plua2.fibaro_api.scene_source import (
    SceneSourceError,
    make_content,
    parse_conditions_text,
    parse_scene_file,
    read_content,
)

SCENE = """--%%name=Porch follows hall
--%%id=21
--%%room=Kitchen
--%%maxRunningInstances=1
--%%restart=false
--[[CONDITIONS
{
  operator = "all", -- a comment
  conditions = {
    { type = "device", id = 5000, property = "value", operator = "==", value = true,
      isTrigger = true },
  },
}
]]
fibaro.call(5001, "turnOn")
"""


def test_a_scene_file_gives_headers_conditions_and_actions() -> None:
    source = parse_scene_file(SCENE, "/p/porch.scene.lua")
    assert (source.name, source.scene_id, source.room) == ("Porch follows hall", 21, "Kitchen")
    assert source.settings == {"maxRunningInstances": 1, "restart": False}
    assert source.conditions == {
        "operator": "all",
        "conditions": [{"type": "device", "id": 5000, "property": "value", "operator": "==",
                        "value": True, "isTrigger": True}],
    }  # fmt: skip
    assert source.actions == SCENE  # the whole file: line numbers stay the file's
    assert source.conditions_text.startswith("{") and source.conditions_text.endswith("}")


def test_the_content_is_the_hc3_json_of_both_boxes() -> None:
    source = parse_scene_file(SCENE, "porch.scene.lua")
    content = json.loads(source.content)
    assert set(content) == {"conditions", "actions"}
    conditions, actions = read_content(source.content)
    assert conditions == source.conditions and actions == SCENE


def test_a_file_without_headers_or_conditions_is_a_manual_scene_named_after_it() -> None:
    source = parse_scene_file('print("hi")\n', "dir/hello.scene.lua")
    assert (source.name, source.scene_id, source.conditions) == ("hello", None, {})


def test_long_bracket_levels_and_json_conditions() -> None:
    text = '--[==[CONDITIONS\n{"operator": "any", "conditions": []}\n]==]\nprint(1)\n'
    assert parse_scene_file(text, "x.scene.lua").conditions == {"operator": "any", "conditions": []}


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("--[[CONDITIONS\n{operator='all', conditions={}}\n", "no closing"),
        ("--[[CONDITIONS\n{operator='all', conditions={x.y}}\n]]\n", "not a Lua table"),
        ("--[[CONDITIONS\n{operator='most', conditions={}}\n]]\n", "operator"),
        ("--%%id=abc\n", "--%%id"),
        ("--%%maxRunningInstances=0\n", "maxRunningInstances"),
        ("--%%restart=maybe\n", "restart"),
    ],
)
def test_bad_scene_files_are_one_line_naming_the_file(text: str, what: str) -> None:
    with pytest.raises(SceneSourceError, match=what) as info:
        parse_scene_file(text, "bad.scene.lua")
    assert "bad.scene.lua" in str(info.value) and "\n" not in str(info.value)


def test_unknown_headers_are_warnings() -> None:
    source = parse_scene_file("--%%colour=red\n", "w.scene.lua")
    assert source.warnings == ["w.scene.lua:1: unknown scene header 'colour'"]


def test_read_content_is_lenient_as_an_hc3_user_expects() -> None:
    assert read_content("") == ({}, "")
    assert read_content("print(1)") == ({}, "print(1)")  # not the JSON: all actions
    assert read_content(make_content("", "x = 1")) == ({}, "x = 1")
    tree = {"operator": "any", "conditions": []}
    assert read_content(json.dumps({"conditions": tree, "actions": ""})) == (tree, "")
    with pytest.raises(SceneSourceError):
        read_content(json.dumps({"conditions": "{operator='x'}", "actions": ""}))
    with pytest.raises(SceneSourceError):
        read_content(json.dumps({"conditions": "", "actions": 5}))


def test_conditions_text_may_be_lua_or_json() -> None:
    lua = parse_conditions_text(
        "{operator='all', conditions={{type='custom-event', property='A'}}}"
    )
    js = parse_conditions_text(
        '{"operator":"all","conditions":[{"type":"custom-event","property":"A"}]}'
    )
    assert lua == js
