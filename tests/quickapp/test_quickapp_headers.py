"""`--%%` header directives in both spellings (plua2.fibaro_api.headers)."""

from __future__ import annotations

import pytest
from plua2.fibaro_api.headers import (
    DEFAULT_TYPE,
    HeaderError,
    QuickAppHeaders,
    RawLua,
    parse_headers,
    strip_headers,
)

EQUALS = """\
--%%name=My QA
--%%type=com.fibaro.multilevelSwitch
--%%id=5010
--%%var=ip:"192.168.1.10"
--%%var=port:80
--%%var=opts:{debug=true,list={1,2}}
--%%file=lib/utils.lua,utils
--%%interfaces={"energy","power"}
--%%properties={value=0,unit="W"}
--%%uid=abc-123
--%%manufacturer=Acme
--%%model=X1
--%%role=Light
--%%description=A test QA
--%%build=7
--%%u={label='l1',text='Hello'}
--%%u={{button='b1',text='On',onReleased='turnOn'},{button='b2',text='Off'}}
"""

COLON = """\
--%%name:My QA
--%%type:com.fibaro.multilevelSwitch
--%%id:5010
--%%var:ip="192.168.1.10"
--%%var:port=80
--%%var:opts={debug=true,list={1,2}}
--%%file:lib/utils.lua,utils
--%%interfaces:{"energy","power"}
--%%properties:{value=0,unit="W"}
--%%uid:abc-123
--%%manufacturer:Acme
--%%model:X1
--%%role:Light
--%%description:A test QA
--%%build:7
--%%u:{label='l1',text='Hello'}
--%%u:{{button='b1',text='On',onReleased='turnOn'},{button='b2',text='Off'}}
"""


def test_both_spellings_read_the_same() -> None:
    eq, colon = parse_headers(EQUALS, "eq.lua"), parse_headers(COLON, "colon.lua")
    assert eq == colon
    assert eq.warnings == ()


def test_every_directive_lands_in_its_field() -> None:
    h = parse_headers(EQUALS, "qa.lua")
    assert h.name == "My QA"
    assert h.type == "com.fibaro.multilevelSwitch"
    assert h.id == 5010
    assert h.variables == (
        ("ip", "192.168.1.10"),
        ("port", 80),
        ("opts", {"debug": True, "list": [1, 2]}),
    )
    assert h.files == (("lib/utils.lua", "utils"),)
    assert h.interfaces == ("energy", "power")
    assert h.properties == {"value": 0, "unit": "W"}
    assert h.metadata == {
        "quickAppUuid": "abc-123",
        "manufacturer": "Acme",
        "model": "X1",
        "deviceRole": "Light",
        "userDescription": "A test QA",
        "buildNumber": 7,
    }
    assert h.ui_rows == (
        ({"label": "l1", "text": "Hello"},),
        (
            {"button": "b1", "text": "On", "onReleased": "turnOn"},
            {"button": "b2", "text": "Off"},
        ),
    )


def test_defaults_without_headers() -> None:
    h = parse_headers("function QuickApp:onInit() end\n")
    assert h == QuickAppHeaders()
    assert h.type == DEFAULT_TYPE == "com.fibaro.binarySwitch"
    assert h.name is None and h.id is None


def test_mixed_separators_in_var() -> None:
    h = parse_headers('--%%var=a=1\n--%%var:b:"x"\n--%%var = c : true\n')
    assert h.variables == (("a", 1), ("b", "x"), ("c", True))


def test_quoted_name_is_unquoted_as_in_tqae() -> None:
    assert parse_headers("--%%name='Test'\n").name == "Test"
    assert parse_headers('--%%name="A \\"quoted\\" name"\n').name == 'A "quoted" name'


def test_numbered_rows_and_plain_rows_keep_file_order() -> None:
    h = parse_headers("--%%u1={label='a'}\n--%%u={label='b'}\n--%%u2={label='c'}\n")
    assert [row[0]["label"] for row in h.ui_rows] == ["a", "b", "c"]


@pytest.mark.parametrize(
    "line",
    [
        "--%%file=lib/a.lua,alpha",
        "--%%file:lib/a.lua,alpha",
        "--%%file=lib/a.lua;alpha",
        "--%%file=lib/a.lua:alpha",
        "--FILE:lib/a.lua,alpha;",
    ],
)
def test_file_directive_spellings(line: str) -> None:
    assert parse_headers(line + "\n").files == (("lib/a.lua", "alpha"),)


def test_file_without_name_uses_the_stem() -> None:
    assert parse_headers("--%%file=lib/helpers.lua\n").files == (("lib/helpers.lua", "helpers"),)


@pytest.mark.parametrize("marker", ["-- ---- EOH ----", "--ENDOFHEADERS", "-- ENDOFDIRECTIVES--"])
def test_end_of_headers_stops_reading(marker: str) -> None:
    h = parse_headers(f"--%%name=A\n{marker}\n--%%name=B\n--%%bogus=1\n")
    assert h.name == "A"
    assert h.warnings == ()


def test_unknown_directive_is_a_warning_with_its_line() -> None:
    h = parse_headers("--%%name=A\n\n--%%frobnicate=3\n", "qa.lua")
    assert h.name == "A"
    assert [str(w) for w in h.warnings] == ["qa.lua:3: unknown directive --%%frobnicate; ignored"]
    assert h.warnings[0].line == 3


def test_other_emulators_directives_are_kept_quietly() -> None:
    h = parse_headers("--%%debug=api:true\n--%%proxy=true\n--%%offline:true\n--%%save=x.fqa\n")
    assert h.warnings == ()
    assert h.other == {"debug": "api:true", "proxy": "true", "offline": "true", "save": "x.fqa"}


def test_include_is_understood_but_warned() -> None:
    h = parse_headers("--%%include=common.lua\n", "qa.lua")
    assert "not supported" in str(h.warnings[0])


def test_non_literal_expression_keeps_raw_text_with_warning() -> None:
    h = parse_headers("--%%var=ip:config.ip\n", "qa.lua")
    assert h.variables == (("ip", RawLua("config.ip")),)
    (warning,) = h.warnings
    assert warning.line == 1
    assert "not a literal" in warning.message and "config.ip" in warning.message


def test_non_literal_ui_row_is_skipped_with_warning() -> None:
    h = parse_headers("--%%u={button=name}\n", "qa.lua")
    assert h.ui_rows == ()
    assert len(h.warnings) == 1


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("--%%name=A\n--%%var=x:{1,2\n", 2, "bad Lua value"),
        ("--%%var=x:'unterminated\n", 1, "bad Lua value"),
        ("--%%var=novalue\n", 1, "name:value"),
        ("--%%id={\n", 1, "bad Lua value"),
        ("--%%id=-3\n", 1, "positive integer"),
        ("--%%id='5'\n", 1, "positive integer"),
        ("\n\n--%%u={text='no kind'}\n", 3, "exactly one of"),
        ("--%%u=5\n", 1, "UI row"),
        ("--%%interfaces={1,2}\n", 1, "list of names"),
        ("--%%properties={1,2}\n", 1, "name=value"),
        ("--%%useUiView=1\n", 1, "true or false"),
        ("--%%file=a.lua,x\n--%%file=b.lua,x\n", 2, "two files"),
        ("--%%file=a.lua,../evil\n", 1, "not a plain HC3 file name"),
    ],
)
def test_bad_values_raise_header_error_with_file_and_line(
    text: str, line: int, fragment: str
) -> None:
    with pytest.raises(HeaderError) as info:
        parse_headers(text, "qa.lua")
    assert info.value.line == line
    assert str(info.value).startswith(f"qa.lua:{line}: ")
    assert fragment in str(info.value)


@pytest.mark.parametrize("line", ["--%%id=config.id", "--%%useUiView=settings.ui"])
def test_non_literal_id_or_flag_is_warned_and_ignored(line: str) -> None:
    h = parse_headers(line + "\n", "qa.lua")
    assert h.id is None and h.use_ui_view is None
    assert "not a literal" in str(h.warnings[0])


def test_repeated_name_warns_and_last_wins() -> None:
    h = parse_headers("--%%name=A\n--%%name=B\n")
    assert h.name == "B"
    assert "repeated" in h.warnings[0].message


def test_interfaces_accumulate_and_single_string_is_accepted() -> None:
    h = parse_headers(
        '--%%interfaces={"energy"}\n--%%interfaces="battery"\n--%%interface={"energy"}\n'
    )
    assert h.interfaces == ("energy", "battery")


def test_property_and_quickvars_and_use_ui_view() -> None:
    h = parse_headers("--%%property=value:true\n--%%quickVars={x=1}\n--%%useUiView=true\n")
    assert h.properties == {"value": True}
    assert h.variables == (("x", 1),)
    assert h.use_ui_view is True


def test_quoted_build_number_stays_a_string() -> None:
    assert parse_headers('--%%build="12"\n').metadata == {"buildNumber": "12"}


def test_unknown_ui_field_is_a_warning() -> None:
    h = parse_headers("--%%u={button='b',colour='red'}\n", "qa.lua")
    assert h.ui_rows == (({"button": "b"},),)
    assert "colour" in str(h.warnings[0])


def test_strip_headers_removes_header_lines_up_to_the_marker() -> None:
    text = "--%%name=A\n--FILE:x.lua,x;\nlocal a = 1\n-- ---- EOH ----\n--%%name=kept\nprint(a)\n"
    assert strip_headers(text) == "local a = 1\n--%%name=kept\nprint(a)\n"
    assert strip_headers("--%%name=A\r\nprint(1)\r\n") == "print(1)\r\n"
