"""How Lua values from a worker look to a person (the web Lua console and `plua2 repl`).

Values arrive as wire values (worker/lua_values.py): None, bool, int, float, str, bytes, lists
(Lua sequences) and dicts (other tables). They are written as Lua would show them: `nil`, `true`,
`2`, `0.5`; strings as they are at the top level (like `print`) and quoted inside tables; tables
as constructors `{1, 2, x = 3}`. Several results are separated by tabs, as `print` does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

__all__ = ["format_value", "format_values"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: nesting and length limits, so one huge table cannot flood a console
MAX_DEPTH = 6
MAX_ITEMS = 200


def format_values(values: Sequence[Any]) -> str:
    """A REPL line's results, tab-separated; '' when there are none."""
    return "\t".join(format_value(v, top=True) for v in values)


def format_value(value: Any, *, top: bool = False, depth: int = 0) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value if top else _quote(value)
    if isinstance(value, list | tuple | dict):
        if depth >= MAX_DEPTH:
            return "{...}"
        return _table(value, depth)
    return str(value)


def _number(value: float) -> str:
    if math.isnan(value):
        return "nan" if math.copysign(1, value) > 0 else "-nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value.is_integer() and abs(value) < 1e16:
        return f"{value:.1f}"  # Lua 5.3 shows integral floats as 2.0
    return f"{value:.14g}"


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _sequence_first(table: dict[Any, Any]) -> list[tuple[Any, Any]]:
    """Items with the keys 1..n first (written without keys, as in `{1, 2, x = 3}`)."""
    n = 0
    while (n + 1) in table:
        n += 1
    rest = [(k, v) for k, v in table.items() if not (isinstance(k, int) and 1 <= k <= n)]
    return [(None, table[i]) for i in range(1, n + 1)] + rest


def _table(value: list[Any] | tuple[Any, ...] | dict[Any, Any], depth: int) -> str:
    parts: list[str] = []
    if isinstance(value, dict):
        items = _sequence_first(value)
        for key, item in items[:MAX_ITEMS]:
            text = format_value(item, depth=depth + 1)
            if key is None:
                parts.append(text)
            elif isinstance(key, str) and _NAME.match(key):
                parts.append(f"{key} = {text}")
            else:
                parts.append(f"[{format_value(key, depth=depth + 1)}] = {text}")
        count = len(items)
    else:
        parts = [format_value(item, depth=depth + 1) for item in value[:MAX_ITEMS]]
        count = len(value)
    if count > MAX_ITEMS:
        parts.append(f"... ({count - MAX_ITEMS} more)")
    return "{" + ", ".join(parts) + "}" if parts else "{}"
