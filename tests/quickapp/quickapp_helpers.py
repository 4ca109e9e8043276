"""Helpers for the QuickApp source tests: sample paths and a tiny OpenAPI schema checker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "quickapps"
#: the HC3's OpenAPI files live in the team's reference folder beside the repository
SPECS = REPO.parent / "shared" / "hc3-api" / "specs"


def load_spec(name: str) -> dict[str, Any]:
    path = SPECS / name
    if not path.is_file():
        pytest.skip(f"HC3 OpenAPI spec {path} not available")
    return json.loads(path.read_text(encoding="utf-8"))


def schema(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return spec["components"]["schemas"][name]


_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "integer": int,
    "number": (int, float),
}


def check_schema(value: Any, sch: dict[str, Any], spec: dict[str, Any], where: str = "$") -> None:
    """Assert `value` fits the OpenAPI schema (type, properties, items, enum, $ref)."""
    if "$ref" in sch:
        sch = schema(spec, sch["$ref"].rsplit("/", 1)[-1])
    kind = sch.get("type")
    if kind:
        ok = isinstance(value, _TYPES[kind]) and not (
            kind in ("integer", "number") and isinstance(value, bool)
        )
        assert ok, f"{where}: expected {kind}, got {value!r}"
    if "enum" in sch:
        assert value in sch["enum"], f"{where}: {value!r} not in {sch['enum']}"
    if isinstance(value, dict):
        for key, sub in (sch.get("properties") or {}).items():
            if key in value:
                check_schema(value[key], sub, spec, f"{where}.{key}")
    if isinstance(value, list) and "items" in sch:
        for index, item in enumerate(value):
            check_schema(item, sch["items"], spec, f"{where}[{index}]")
