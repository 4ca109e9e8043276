"""What `plua2 hc3 update` sends: the local QuickApp's files against the HC3's, as a plan (no I/O).

Theory of operation
-------------------
`plan_update(remote, local, only)` compares the HC3's file list (`GET /api/quickApp/{id}/files`:
names and flags, no content) with the local QuickApp's files (`fqa.build_fqa`: the main file
without its `--%%` headers, as `plua2 hc3 upload` sends it) and says what to do, the way an HC3
wants it done:

- `post`: files the HC3 does not have, one `POST /api/quickApp/{id}/files` each;
- `delete`: files the local QuickApp no longer has, `DELETE /api/quickApp/{id}/files/{name}` each;
- `put`: every other local file, in one `PUT /api/quickApp/{id}/files` with the list (the HC3
  restarts the QuickApp once for the lot), sent last so that restart sees every file.

The local main file goes to whatever the HC3 calls its main file (an HC3 names it `main`; an
import may have kept another name). The HC3's main file is never deleted. With `only`, the plan
touches that one file (put or post) and deletes nothing; `only` is the QuickApp file name (`utils`)
or its file name on disk (`utils.lua`). An unknown `only` is a `PlanError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["FilesUpdate", "PlanError", "plan_update"]


class PlanError(ValueError):
    """The update cannot be planned (e.g. `--only` names no local file)."""


@dataclass(frozen=True)
class FilesUpdate:
    put: tuple[dict[str, Any], ...] = ()
    post: tuple[dict[str, Any], ...] = ()
    delete: tuple[str, ...] = ()

    def summary(self) -> str:
        parts = []
        for verb, names in (
            ("changed", [f["name"] for f in self.put]),
            ("added", [f["name"] for f in self.post]),
            ("removed", list(self.delete)),
        ):
            if names:
                parts.append(f"{verb} {', '.join(names)}")
        return "; ".join(parts) or "nothing to change"


def _pick(local: Sequence[dict[str, Any]], only: str) -> dict[str, Any]:
    for name in (only, only.removesuffix(".lua")):
        for file in local:
            if file["name"] == name:
                return file
    names = ", ".join(f["name"] for f in local)
    raise PlanError(f"--only {only}: the local QuickApp has no such file (it has: {names})")


def plan_update(
    remote: Sequence[dict[str, Any]],
    local: Sequence[dict[str, Any]],
    only: str | None = None,
) -> FilesUpdate:
    """The requests that make the HC3's files those of `local` (.fqa file dicts)."""
    remote_names = [f["name"] for f in remote if isinstance(f.get("name"), str)]
    remote_main = next(
        (f["name"] for f in remote if f.get("isMain") and isinstance(f.get("name"), str)), "main"
    )
    wanted = []
    for file in local:
        entry = {
            "name": remote_main if file.get("isMain") else file["name"],
            "type": file.get("type", "lua"),
            "isOpen": bool(file.get("isOpen", False)),
            "isMain": bool(file.get("isMain", False)),
            "content": file["content"],
        }
        wanted.append(entry)
    if only is not None:
        chosen = _pick(local, only)
        wanted = [wanted[local.index(chosen)]]
    put = tuple(f for f in wanted if f["name"] in remote_names)
    post = tuple(f for f in wanted if f["name"] not in remote_names)
    delete: tuple[str, ...] = ()
    if only is None:
        keep = {f["name"] for f in wanted} | {remote_main}
        delete = tuple(n for n in remote_names if n not in keep)
    return FilesUpdate(put=put, post=post, delete=delete)
