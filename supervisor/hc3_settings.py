"""Where `plua2 hc3` finds HC3_URL, HC3_USER and HC3_PASSWORD.

Theory of operation
-------------------
`resolve_target(environ, folders, ...)` is pure apart from reading `.env` files: the first source
that has a non-empty value wins, in this order:

1. a command-line flag (`--url`, `--user`; there is no password flag: a command line is visible to
   every user of the machine and lands in shell history);
2. the process environment;
3. `.env` in each of `folders`, in order (the QuickApp's folder before the current directory);
   with `--env-file PATH`, that file alone, and it must exist.

A missing setting is a `SettingsError` that names what to set and where it was looked for (a
usage error, exit 2). The values are only ever put into an `HC3Target`: nothing here writes them
anywhere, and messages name keys and files, never values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from .dotenv import load_dotenv
from .hc3_client import DEFAULT_TIMEOUT, HC3Target, normalise_url

__all__ = ["KEYS", "SettingsError", "dotenv_files", "resolve_target"]

KEYS = ("HC3_URL", "HC3_USER", "HC3_PASSWORD")


class SettingsError(Exception):
    """The HC3 settings are missing or unusable (a usage error)."""


def dotenv_files(folders: Iterable[Path | str]) -> list[Path]:
    """`.env` of each folder, without repeats (a folder given twice, or by two spellings)."""
    seen: set[Path] = set()
    files: list[Path] = []
    for folder in folders:
        path = Path(folder).resolve() / ".env"
        if path not in seen:
            seen.add(path)
            files.append(path)
    return files


def resolve_target(
    environ: Mapping[str, str],
    folders: Iterable[Path | str] = (),
    *,
    env_file: Path | str | None = None,
    url: str | None = None,
    user: str | None = None,
    insecure: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[HC3Target, list[str]]:
    """The HC3 to talk to, and warnings from .env files; `SettingsError` if something is missing."""
    warnings: list[str] = []
    found: dict[str, str] = {}
    if env_file is not None:
        candidates = [Path(env_file)]
        if not candidates[0].is_file():
            raise SettingsError(f"{env_file}: no such .env file")
    else:
        candidates = [p for p in dotenv_files(folders) if p.is_file()]
    for path in reversed(candidates):  # the first file wins: read it last
        try:
            values, problems = load_dotenv(path)
        except (OSError, UnicodeDecodeError) as error:
            raise SettingsError(f"{path}: cannot read: {error}") from None
        warnings.extend(problems)
        found.update({k: v for k, v in values.items() if k in KEYS and v})
    found.update({k: environ[k] for k in KEYS if environ.get(k)})
    if url:
        found["HC3_URL"] = url
    if user:
        found["HC3_USER"] = user
    missing = [k for k in KEYS if not found.get(k)]
    if missing:
        where = ", ".join(str(p) for p in (candidates or dotenv_files(folders)))
        raise SettingsError(
            f"{' and '.join(missing)} not set: put them in the environment or in a .env file "
            f"({where or 'none looked at'})"
        )
    try:
        base = normalise_url(found["HC3_URL"])
    except ValueError as error:
        raise SettingsError(str(error)) from None
    target = HC3Target(base, found["HC3_USER"], found["HC3_PASSWORD"], insecure, timeout)
    return target, warnings
