"""`plua2 pack` and `plua2 unpack`: a QuickApp between a `.lua` project and an `.fqa` file.

    plua2 pack QA.lua [-o QA.fqa]        main file with --%% headers (or an .fqa) -> .fqa
    plua2 unpack QA.fqa DIR [--force]    .fqa -> DIR/main.lua (headers regenerated) + DIR/<file>.lua

Theory of operation: all the knowledge is in `plua2.fibaro_api` (`load_quickapp`, `build_fqa`,
`unpack_files`); this module only reads arguments, writes files and turns a `QuickAppSourceError`
or an `OSError` into one line on stderr and exit status 2. Warnings go to stderr as
`warning: ...` lines and do not change the status.

Overwriting: `pack` replaces its output file (it is a build product, like a compiler's `-o`), written
to a temporary file first and renamed, so a failed pack leaves the old .fqa whole. `unpack` writes
source code a developer edits, so it refuses to replace any existing file unless `--force` is given,
and checks all of them before it writes the first one.

One module serves both subcommands: `add_arguments` looks at the subcommand's name (the last word
of `parser.prog`), so `plua2.cli.COMMANDS` can map both `pack` and `unpack` here; the explicit
`add_pack_arguments`/`add_unpack_arguments` and `pack_main`/`unpack_main` are the same functions.
`python -m plua2.supervisor.pack_command pack|unpack ...` runs it without the CLI.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from plua2.fibaro_api.fqa import build_fqa, dumps_fqa, load_fqa
from plua2.fibaro_api.quickapp_errors import QuickAppSourceError
from plua2.fibaro_api.quickapp_project import load_quickapp, unpack_files

__all__ = [
    "add_arguments",
    "add_pack_arguments",
    "add_unpack_arguments",
    "main",
    "pack_main",
    "unpack_main",
]

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def add_pack_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Pack a QuickApp into an .fqa file as an HC3 exports it. SOURCE is a main .lua file with "
        "--%% headers (its --%%file files are packed too) or an .fqa (re-packed). The output is "
        "replaced if it exists. Exit status 2 on bad input."
    )
    parser.add_argument("source", metavar="SOURCE", help="main .lua file (or an .fqa)")
    parser.add_argument(
        "-o",
        "--output",
        metavar="FQA",
        help="the .fqa to write (default: SOURCE with .fqa; '-' writes to stdout)",
    )
    parser.set_defaults(_pack_command=pack_main)


def add_unpack_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Unpack an .fqa into DIR: main.lua with regenerated --%% headers (name, type, variables, "
        "interfaces, UI rows, --%%file lines) and one <name>.lua per other file, so that "
        "'plua2 pack DIR/main.lua' gives the same .fqa back. Existing files are never replaced "
        "without --force. Exit status 2 on bad input."
    )
    parser.add_argument("fqa", metavar="FQA", help="the .fqa file to unpack")
    parser.add_argument("directory", metavar="DIR", help="folder to write (created if missing)")
    parser.add_argument("--force", action="store_true", help="replace existing files in DIR")
    parser.set_defaults(_pack_command=unpack_main)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `pack` or `unpack`, whichever subcommand `parser` is."""
    if parser.prog.split()[-1] == "unpack":
        add_unpack_arguments(parser)
    else:
        add_pack_arguments(parser)


def _fail(command: str, message: str) -> int:
    print(f"plua2 {command}: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _warn(warnings: Sequence[str]) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _write_atomically(path: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)  # mkstemp makes 0600; a written file gets the usual mode
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def pack_main(args: argparse.Namespace) -> int:
    source_path = Path(args.source)
    try:
        source = load_quickapp(source_path)
        text = dumps_fqa(build_fqa(source))
        _warn(source.warnings)
        if args.output == "-":
            sys.stdout.write(text)
            return EXIT_OK
        output = Path(args.output) if args.output else source_path.with_suffix(".fqa")
        if output.is_dir():
            return _fail("pack", f"{output}: is a folder; -o names the .fqa file to write")
        _write_atomically(output, text)
    except QuickAppSourceError as exc:
        return _fail("pack", str(exc))
    except OSError as exc:
        return _fail("pack", f"{exc.filename or args.output}: {exc.strerror}")
    count = len(source.files)
    print(f"packed {source.name!r} ({count} file{'s' * (count != 1)}) into {output}")
    return EXIT_OK


def unpack_main(args: argparse.Namespace) -> int:
    directory = Path(args.directory)
    try:
        source = load_fqa(args.fqa)
        files, warnings = unpack_files(source)
        _warn([*source.warnings, *warnings])
        if directory.exists() and not directory.is_dir():
            return _fail("unpack", f"{directory}: exists and is not a folder")
        existing = [name for name in files if (directory / name).exists()]
        if existing and not args.force:
            names = ", ".join(str(directory / n) for n in existing)
            return _fail("unpack", f"{names}: already exists (use --force to replace)")
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            _write_atomically(directory / name, text)
    except QuickAppSourceError as exc:
        return _fail("unpack", str(exc))
    except OSError as exc:
        return _fail("unpack", f"{exc.filename or directory}: {exc.strerror}")
    print(f"unpacked {source.name!r} into {directory}: {', '.join(files)}")
    return EXIT_OK


def main(args: argparse.Namespace) -> int:
    """Run the subcommand that `add_arguments` set up."""
    command = getattr(args, "_pack_command", None) or (
        unpack_main if getattr(args, "command", None) == "unpack" else pack_main
    )
    return command(args)


def _standalone(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="plua2")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_pack_arguments(sub.add_parser("pack", help="pack a QuickApp into an .fqa"))
    add_unpack_arguments(sub.add_parser("unpack", help="unpack an .fqa into a folder"))
    return main(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(_standalone())
