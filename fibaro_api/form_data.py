"""multipart/form-data bodies (`POST /api/quickApp/import`), without the Content-Type header.

The router hands handlers the body bytes only, so the boundary is taken from the body itself:
a multipart body starts with `--<boundary>` on its first line (RFC 7578). `parse_form_data(raw)`
gives `{field name: bytes}` for each part (the last one wins for a repeated name), or None when
the bytes are not multipart/form-data.
"""

from __future__ import annotations

import re

__all__ = ["parse_form_data"]

_NAME = re.compile(rb'(?i)content-disposition:[^\r\n]*?\bname="([^"]*)"')


def parse_form_data(raw: bytes) -> dict[str, bytes] | None:
    """The fields of a multipart/form-data body, or None if it is not one."""
    if not raw.startswith(b"--"):
        return None
    first_line_end = raw.find(b"\r\n")
    if first_line_end < 3:
        return None
    delimiter = raw[:first_line_end]
    fields: dict[str, bytes] = {}
    for part in raw.split(b"\r\n" + delimiter):
        if part.startswith(delimiter):
            part = part[len(delimiter) :]
        if part.startswith(b"--"):
            break  # the closing delimiter
        part = part.removeprefix(b"\r\n")
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        match = _NAME.search(head)
        if match is not None:
            fields[match.group(1).decode("utf-8", "replace")] = content
    return fields or None
