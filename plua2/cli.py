"""The `plua2` command line: one subcommand a module, each with `add_arguments` and `main`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__

#: subcommand -> (module that implements it, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("plua2.supervisor.run_command", "run a Lua script in a supervised worker"),
    "up": ("plua2.supervisor.up_command", "emulate a whole HC3 for a project folder"),
    "repl": ("plua2.supervisor.repl_command", "a Lua prompt in a fresh worker (timers run on)"),
    "pack": ("plua2.supervisor.pack_command", "pack a QuickApp (.lua with headers) into an .fqa"),
    "unpack": ("plua2.supervisor.pack_command", "unpack an .fqa into a folder with main.lua"),
    "check": ("plua2.supervisor.check_command", "check QuickApps' headers and Lua syntax"),
    "init": ("plua2.supervisor.init_command", "create a QuickApp project (VS Code ready)"),
    "hc3": ("plua2.supervisor.hc3_command", "list, download, upload, update HC3 QuickApps"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only`, just that subcommand's module is imported (a faster start)."""
    parser = argparse.ArgumentParser(
        prog="plua2", description="Async Lua runtime and Fibaro HC3 emulator"
    )
    parser.add_argument("--version", action="version", version=f"plua2 {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name, help=help_text)
            continue
        module = importlib.import_module(module_name)
        command = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command)
        command.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return int(args._module.main(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
