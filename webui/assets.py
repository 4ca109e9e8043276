"""The dashboard's static files: plain HTML, CSS and JavaScript shipped as package data.

They are read once, when the app is built, and served from memory with an ETag (a page load
after the first costs a 304 per file). No CDN, no build step: what is in `webui/static/` is what
the browser runs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

__all__ = ["Asset", "load_assets"]

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str
    etag: str


def load_assets() -> dict[str, Asset]:
    """`{"app.js": Asset, ...}` for every file under webui/static/ (sub-folders as "a/b.js")."""
    root = resources.files("plua2.webui") / "static"
    assets: dict[str, Asset] = {}

    def walk(folder: resources.abc.Traversable, prefix: str) -> None:
        for entry in folder.iterdir():
            name = prefix + entry.name
            if entry.is_dir():
                walk(entry, name + "/")
                continue
            suffix = "." + entry.name.rsplit(".", 1)[-1] if "." in entry.name else ""
            body = entry.read_bytes()
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            assets[name] = Asset(body, _TYPES.get(suffix, "application/octet-stream"), etag)

    walk(root, "")
    return assets
