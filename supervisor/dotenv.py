"""`.env` files: `KEY=VALUE` lines, read without a dependency (`plua2 hc3` takes its credentials here).

Theory of operation
-------------------
`parse_dotenv(text)` is pure: text in, `({key: value}, warnings)` out. The grammar is the common
subset that python-dotenv, docker compose and shells agree on:

- blank lines and lines starting with `#` are skipped; an `export ` prefix is allowed;
- `KEY=VALUE` with spaces allowed around `=`; KEY is `[A-Za-z_][A-Za-z0-9_.]*`;
- a value in single quotes is taken literally; a value in double quotes understands the escapes
  `\\n \\t \\r \\" \\\\`; both may be followed by a comment; a quote left open is an error on that
  line (multi-line values are not supported);
- an unquoted value ends at ` #` (a comment after white space) and is stripped;
- `${VAR}` is *not* expanded (a password may contain `$`); a later line for the same key wins.

A line that does not parse is skipped with a warning that names the line number and, at most, the
key: warnings never quote a value, because values here are passwords.
`load_dotenv(path)` adds the file reading (`OSError` is the caller's to report).

python-dotenv would do the same, but it is one more dependency for thirty lines of parsing, and
its extras (variable expansion, multi-line values, writing files) are what we do not want here.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["load_dotenv", "parse_dotenv"]

_LINE = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=(\s*)(.*)")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


class _BadLine(ValueError):
    pass


def _double_quoted(rest: str) -> tuple[str, str]:
    """The value of `"..."` (escapes applied) and what follows the closing quote."""
    out: list[str] = []
    index = 1
    while index < len(rest):
        char = rest[index]
        if char == "\\" and index + 1 < len(rest):
            following = rest[index + 1]
            out.append(_ESCAPES.get(following, "\\" + following))
            index += 2
            continue
        if char == '"':
            return "".join(out), rest[index + 1 :]
        out.append(char)
        index += 1
    raise _BadLine("a double quote is not closed")


def _value(raw: str) -> str:
    raw = raw.rstrip()
    if raw.startswith("'"):
        end = raw.find("'", 1)
        if end < 0:
            raise _BadLine("a single quote is not closed")
        value, after = raw[1:end], raw[end + 1 :]
    elif raw.startswith('"'):
        value, after = _double_quoted(raw)
    else:
        comment = re.search(r"\s#", raw)
        return (raw[: comment.start()] if comment else raw).strip()
    after = after.strip()
    if after and not after.startswith("#"):
        raise _BadLine("text after the closing quote")
    return value


def parse_dotenv(text: str) -> tuple[dict[str, str], list[str]]:
    """The `KEY=VALUE` pairs of a .env text, and warnings for the lines that do not parse."""
    values: dict[str, str] = {}
    warnings: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            warnings.append(f"line {number}: expected KEY=VALUE; skipped")
            continue
        key = match.group(1)
        try:
            spaced_comment = bool(match.group(2)) and match.group(3).startswith("#")
            values[key] = "" if spaced_comment else _value(match.group(3))
        except _BadLine as problem:
            warnings.append(f"line {number}: {key}: {problem}; skipped")
    return values, warnings


def load_dotenv(path: str | Path) -> tuple[dict[str, str], list[str]]:
    """Read and parse a .env file; warnings are prefixed with its path."""
    text = Path(path).read_text(encoding="utf-8-sig")
    values, warnings = parse_dotenv(text)
    return values, [f"{path}: {w}" for w in warnings]
