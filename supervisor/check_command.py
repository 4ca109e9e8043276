"""`plua2 check PATH...`: validate QuickApps without running them (for editors and CI).

Theory of operation
-------------------
`check(paths)` is the whole job and does no printing; `main` prints its result. Nothing is run and
nothing is written: headers are parsed as `plua2 up` parses them, Lua is compiled, never called.

- A PATH that is a folder is checked as `plua2 up` would run it: its QuickApps are found by
  `quickapp_folder.find_quickapp_files` (top-level `*.lua` with `--%%` headers, `*.fqa`), and its
  optional `plua2.toml` is loaded. A folder without any QuickApp is an error (a typo in a CI
  script should not pass). A PATH that is a file is one QuickApp (`.lua` main file or `.fqa`).
- Each QuickApp is loaded with `load_quickapp`: a bad header value or a bad .fqa is an error
  (`HeaderError` says `file:line`); header warnings (unknown directive, repeated name, a Lua
  expression plua2 will not evaluate) are warnings. plua2's own directives are checked too:
  `--%%budget` must be a positive number of seconds, `--%%maxMemory` a positive whole number of MiB
  (`plua2 up` would silently use its defaults).
- Every file of the QuickApp is compiled as Lua 5.3 (lupa's lua53, `load(text, name, "t")`), the
  language of an HC3: the main file, each `--%%file` (named by its path on disk), each file inside
  an .fqa (named `app.fqa[fileName]`). A syntax error is `file:line: message`.

Exit status: 0 when there are no errors (warnings are printed, they do not fail), 1 on any error,
2 for a usage error (a PATH that does not exist, a file that is neither `.lua` nor `.fqa`).
Messages go to stdout, one a line, then one summary line on stderr.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CheckResult", "UsageError", "add_arguments", "check", "main"]

_LOCATED = re.compile(r"^(.*?:\d+): (.*)$", re.DOTALL)
_LUA_ERROR = re.compile(r"^=?f:(\d+): (.*)$", re.DOTALL)
_BUDGET = re.compile(r"^\s*--%%\s*budget\s*[=:]\s*(.*?)\s*$")
_MEMORY = re.compile(r"^\s*--%%\s*maxMemory\s*[=:]\s*(.*?)\s*$")


class UsageError(Exception):
    """A PATH that cannot be checked at all (exit status 2)."""


@dataclass
class CheckResult:
    quickapps: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def status(self) -> int:
        return 1 if self.errors else 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="a project folder (as for plua2 up) or a QuickApp file (.lua, .fqa)")  # fmt: skip


def main(args: argparse.Namespace) -> int:
    try:
        result = check([Path(p) for p in args.paths])
    except UsageError as error:
        print(f"plua2 check: {error}", file=sys.stderr, flush=True)
        return 2
    for line in result.errors:
        print(line)
    for line in result.warnings:
        print(_as_warning(line))
    sys.stdout.flush()
    print(
        f"plua2 check: {result.quickapps} QuickApp(s), {len(result.errors)} error(s), "
        f"{len(result.warnings)} warning(s)",
        file=sys.stderr,
        flush=True,
    )
    return result.status


def _as_warning(line: str) -> str:
    located = _LOCATED.match(line)
    if located:
        return f"{located.group(1)}: warning: {located.group(2)}"
    return f"warning: {line}"


def check(paths: list[Path]) -> CheckResult:
    """Check every QuickApp under `paths`; see the module docstring. UsageError: bad PATH."""
    from ..fibaro_api.project import PROJECT_FILE, ProjectError, load_project
    from .quickapp_folder import find_quickapp_files

    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        if path.is_file() and path.suffix.lower() not in (".lua", ".fqa"):
            raise UsageError(f"{path}: not a QuickApp (expected a folder, a .lua or an .fqa file)")
    result = CheckResult()
    compiler = _LuaCompiler()
    for path in paths:
        if path.is_file():
            _check_quickapp(path, compiler, result)
            continue
        try:
            load_project(path / PROJECT_FILE)
        except ProjectError as error:
            result.errors.append(str(error))
        files, problems = find_quickapp_files(path)
        result.errors.extend(problems)
        if not files and not problems:
            result.errors.append(f"{path}: no QuickApps (no *.lua with --%% headers, no *.fqa)")
        for file in files:
            _check_quickapp(file, compiler, result)
    return result


def _check_quickapp(path: Path, compiler: _LuaCompiler, result: CheckResult) -> None:
    from ..fibaro_api.headers import parse_headers
    from ..fibaro_api.quickapp_errors import QuickAppSourceError
    from ..fibaro_api.quickapp_project import load_quickapp

    result.quickapps += 1
    try:
        source = load_quickapp(path)
    except QuickAppSourceError as error:
        result.errors.append(str(error))
        return
    result.warnings.extend(source.warnings)
    is_fqa = path.suffix.lower() == ".fqa"
    disk_names: dict[str, str] = {}
    if not is_fqa:
        main_text = source.main_file.content
        result.errors.extend(_plua2_directive_errors(str(path), main_text))
        for written, name in parse_headers(main_text, str(path)).files:
            disk_names[name] = str(_find(path, written))
    for file in source.files:
        if is_fqa:
            shown = f"{path}[{file.name}]"
        elif file.is_main:
            shown = str(path)
        else:
            shown = disk_names.get(file.name, f"{path}[{file.name}]")
        syntax = compiler.syntax_error(file.content)
        if syntax is not None:
            result.errors.append(f"{shown}:{syntax}")


def _find(main: Path, written: str) -> Path:
    """Where a `--%%file` path is on disk (as quickapp_source resolves it)."""
    relative = Path(written)
    if relative.is_absolute():
        return relative
    beside = main.parent / relative
    return beside if beside.is_file() else relative


def _plua2_directive_errors(path: str, text: str) -> list[str]:
    errors = []
    for number, line in enumerate(text.splitlines(), start=1):
        budget = _BUDGET.match(line)
        if budget:
            if not _positive(budget.group(1), integer=False):
                errors.append(f"{path}:{number}: --%%budget={budget.group(1)}: expected a "
                              "positive number of seconds")  # fmt: skip
            continue
        memory = _MEMORY.match(line)
        if memory and not _positive(memory.group(1), integer=True):
            errors.append(f"{path}:{number}: --%%maxMemory={memory.group(1)}: expected a "
                          "positive whole number of MiB")  # fmt: skip
    return errors


def _positive(text: str, *, integer: bool) -> bool:
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        return False
    return value > 0 and value != float("inf")


class _LuaCompiler:
    """Lua 5.3's `load` in one bare runtime: compiles a chunk and never calls it."""

    def __init__(self) -> None:
        self._load: Any = None

    def syntax_error(self, text: str) -> str | None:
        """None if `text` compiles, else `line: message`."""
        if self._load is None:
            import lupa.lua53

            runtime = lupa.lua53.LuaRuntime(register_eval=False, register_builtins=False)
            self._load = runtime.globals().load
        answer = self._load(text, "=f", "t")
        if not isinstance(answer, tuple):
            return None  # the compiled chunk alone
        chunk, message = answer[0], answer[1] if len(answer) > 1 else "?"
        if chunk is not None:
            return None
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        located = _LUA_ERROR.match(str(message))
        if located:
            return f"{located.group(1)}: {located.group(2)}"
        return f"1: {message}"
