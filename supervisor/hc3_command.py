"""`plua2 hc3`: QuickApps between this laptop and a real HC3 (or anything serving its API).

    plua2 hc3 list                      id, name and type of the HC3's QuickApps
    plua2 hc3 download ID DIR [--force] export QuickApp ID, unpack it into DIR (main.lua + files)
    plua2 hc3 upload FILE [--room ID]   import a QuickApp (.lua with --%% headers, or .fqa)
    plua2 hc3 update ID FILE [--only NAME]   replace QuickApp ID's files with FILE's

Theory of operation: the HC3's own endpoints (REFERENCE.md §2.3) and our own pack/unpack logic:
download = `GET /api/quickApp/export/{id}` + `fqa.read_fqa` + `unpack_files` (what `plua2 unpack`
does); upload = `load_quickapp` + `build_fqa` (what `plua2 pack` does) + `POST
/api/quickApp/import` as multipart/form-data `file`; update = `GET /api/quickApp/{id}/files`, then
the requests `hc3_files.plan_update` lists. `hc3_client` makes each request once and raises on the
first failure, so a refused password costs exactly one request (HC3s lock accounts).

Credentials: `hc3_settings.resolve_target` (flags, environment, `.env` beside FILE or in the current
folder). They live in the `HC3Target` only: download writes what the HC3 exported and nothing else,
and upload/update refuse a QuickApp file that looks like a `.env` (a `--%%file=.env,...` slip).

Exit status: 0 done; 1 the HC3 or the network failed (one line on stderr); 2 usage errors (bad
arguments, missing settings, a QuickApp file that does not load, files in the way of a download).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from plua2.fibaro_api.fqa import build_fqa, dumps_fqa, read_fqa
from plua2.fibaro_api.quickapp_errors import QuickAppSourceError
from plua2.fibaro_api.quickapp_project import load_quickapp, unpack_files

from .hc3_client import DEFAULT_TIMEOUT, HC3Client, HC3Error, HC3ResponseError, encode_multipart
from .hc3_files import PlanError, plan_update
from .hc3_settings import SettingsError, resolve_target

__all__ = ["add_arguments", "main"]

EXIT_OK = 0
EXIT_HC3 = 1
EXIT_USAGE = 2

#: a line of a .env file that sets one of our keys: such a file must never reach an HC3
_CREDENTIAL_LINE = re.compile(r"(?m)^\s*(?:export\s+)?HC3_(?:URL|USER|PASSWORD)\s*=")


class _Usage(Exception):
    """A usage error found while running (exit 2)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Work with the QuickApps of a real HC3 given by HC3_URL, HC3_USER and HC3_PASSWORD "
        "(environment, or a .env file beside FILE or in the current folder). A refused password "
        "stops at the first request. Exit status 1 when the HC3 or the network fails, 2 on "
        "usage errors."
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", help="the HC3's address (default: HC3_URL)")
    common.add_argument("--user", help="the HC3 user (default: HC3_USER)")
    common.add_argument("--env-file", metavar="PATH", help="read the settings from this .env only")
    common.add_argument("--insecure", action="store_true",
                        help="do not check the HC3's TLS certificate (self-signed HC3s)")  # fmt: skip
    common.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"seconds to wait for each answer (default {DEFAULT_TIMEOUT:g})")  # fmt: skip
    sub = parser.add_subparsers(dest="hc3_command", metavar="ACTION", required=True)

    listing = sub.add_parser("list", parents=[common], help="the HC3's QuickApps")
    listing.add_argument("--json", action="store_true", help="print JSON [{id, name, type}]")
    listing.set_defaults(_hc3=list_main)

    download = sub.add_parser("download", parents=[common], help="QuickApp ID into DIR")
    download.add_argument("id", type=int, metavar="ID", help="the QuickApp's device id")
    download.add_argument("directory", metavar="DIR", help="folder to write (created if missing)")
    download.add_argument("--force", action="store_true", help="replace existing files in DIR")
    download.set_defaults(_hc3=download_main)

    upload = sub.add_parser("upload", parents=[common], help="FILE as a new QuickApp")
    upload.add_argument("file", metavar="FILE", help="main .lua file with --%%%% headers, or .fqa")
    upload.add_argument("--room", type=int, metavar="ROOM_ID", help="the room of the new device")
    upload.set_defaults(_hc3=upload_main)

    update = sub.add_parser("update", parents=[common], help="replace QuickApp ID's files")
    update.add_argument("id", type=int, metavar="ID", help="the QuickApp's device id")
    update.add_argument("file", metavar="FILE", help="main .lua file with --%%%% headers, or .fqa")
    update.add_argument("--only", metavar="NAME",
                        help="change only this file (its QuickApp name, or NAME.lua)")  # fmt: skip
    update.set_defaults(_hc3=update_main)


def _client(args: argparse.Namespace, *folders: Path) -> HC3Client:
    if args.timeout <= 0:
        raise _Usage("--timeout must be a positive number of seconds")
    target, warnings = resolve_target(
        os.environ,
        [*folders, Path.cwd()],
        env_file=args.env_file,
        url=args.url,
        user=args.user,
        insecure=args.insecure,
        timeout=args.timeout,
    )
    _warn(warnings)
    return HC3Client(target)


def _warn(warnings: Sequence[str]) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file and rename; the mode is a new file's (0666 less umask)."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _local_fqa(file: str) -> dict[str, Any]:
    """The .fqa of a local QuickApp, refused if one of its files looks like a .env."""
    source = load_quickapp(Path(file))
    _warn(source.warnings)
    fqa: dict[str, Any] = build_fqa(source)
    for item in fqa["files"]:
        if _CREDENTIAL_LINE.search(item["content"]):
            raise _Usage(
                f"{file}: QuickApp file {item['name']!r} sets HC3_URL/HC3_USER/HC3_PASSWORD "
                "(a .env file?); refusing to send credentials to the HC3"
            )
    return fqa


def list_main(args: argparse.Namespace) -> int:
    client = _client(args)
    devices = client.get("/api/devices?interface=quickApp")
    if not isinstance(devices, list):
        raise HC3ResponseError("GET /api/devices: expected a list of devices")
    rows = [
        {"id": d.get("id"), "name": d.get("name"), "type": d.get("type")}
        for d in devices
        if isinstance(d, dict) and "quickApp" in d.get("interfaces", ["quickApp"])
    ]
    rows.sort(key=lambda r: r["id"] if isinstance(r["id"], int) else 0)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return EXIT_OK
    width = max((len(str(r["name"])) for r in rows), default=4)
    print(f"{'ID':>6}  {'NAME':<{width}}  TYPE")
    for row in rows:
        print(f"{row['id']!s:>6}  {row['name']!s:<{width}}  {row['type']}")
    return EXIT_OK


def download_main(args: argparse.Namespace) -> int:
    directory = Path(args.directory)
    if directory.exists() and not directory.is_dir():
        raise _Usage(f"{directory}: exists and is not a folder")
    client = _client(args, *([directory] if directory.is_dir() else []))
    data = client.get(f"/api/quickApp/export/{args.id}")
    try:
        source = read_fqa(data, f"QuickApp {args.id} exported by {client.target.url}")
        files, warnings = unpack_files(source)
    except QuickAppSourceError as error:
        raise HC3ResponseError(str(error)) from None
    _warn([*source.warnings, *warnings])
    existing = [name for name in files if (directory / name).exists()]
    if existing and not args.force:
        names = ", ".join(str(directory / n) for n in existing)
        raise _Usage(f"{names}: already exists (use --force to replace)")
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        _write_atomically(directory / name, text)
    print(f"downloaded QuickApp {args.id} {source.name!r} into {directory}: {', '.join(files)}")
    return EXIT_OK


def upload_main(args: argparse.Namespace) -> int:
    fqa = _local_fqa(args.file)
    client = _client(args, Path(args.file).parent)
    fields: dict[str, tuple[str | None, bytes]] = {
        "file": (f"{Path(args.file).stem}.fqa", dumps_fqa(fqa).encode("utf-8"))
    }
    if args.room is not None:
        fields["roomId"] = (None, str(args.room).encode())
    body, content_type = encode_multipart(fields)
    device = client.request("POST", "/api/quickApp/import", body=body, content_type=content_type)
    device_id = device.get("id") if isinstance(device, dict) else None
    if not isinstance(device_id, int):
        raise HC3ResponseError("POST /api/quickApp/import: the answer has no device id")
    print(f"uploaded {fqa['name']!r} to {client.target.url} as device {device_id}")
    return EXIT_OK


def update_main(args: argparse.Namespace) -> int:
    fqa = _local_fqa(args.file)
    if args.only is not None:
        plan_update([], fqa["files"], args.only)  # a PlanError before the first request
    client = _client(args, Path(args.file).parent)
    base = f"/api/quickApp/{args.id}/files"
    remote = client.get(base)
    if not isinstance(remote, list) or not all(isinstance(f, dict) for f in remote):
        raise HC3ResponseError(f"GET {base}: expected a list of files")
    plan = plan_update(remote, fqa["files"], args.only)
    for entry in plan.post:
        client.post(base, entry)
    for name in plan.delete:
        client.delete(f"{base}/{quote(name, safe='')}")
    if plan.put:
        client.put(base, list(plan.put))
    print(f"updated QuickApp {args.id} at {client.target.url}: {plan.summary()}")
    return EXIT_OK


def main(args: argparse.Namespace) -> int:
    """Run the `hc3` action that `add_arguments` set up; errors become one line and a status."""
    try:
        return int(args._hc3(args))
    except HC3Error as error:
        print(f"plua2 hc3 {args.hc3_command}: {error}", file=sys.stderr)
        return EXIT_HC3
    except (SettingsError, _Usage, PlanError, QuickAppSourceError) as error:
        print(f"plua2 hc3 {args.hc3_command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        print(f"plua2 hc3 {args.hc3_command}: {error.filename}: {error.strerror}", file=sys.stderr)
        return EXIT_USAGE
