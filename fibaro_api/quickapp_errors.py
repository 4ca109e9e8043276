"""The errors of reading a QuickApp's source: `--%%` headers, `.fqa` files, project folders.

    QuickAppSourceError      anything that stops plua2 from loading a QuickApp; `str()` is one
    |                        readable line that starts with the file (and line, where known)
    +-- HeaderError          bad syntax in a `--%%` header value (file:line)
    +-- FqaError             not JSON, or not shaped like an .fqa (file and JSON path)

Warnings (an unknown directive, a Lua expression plua2 will not evaluate) are not errors: they are
collected on the result (`QuickAppHeaders.warnings`, `QuickAppSource.warnings`) as one-line strings.
"""

from __future__ import annotations

__all__ = ["FqaError", "HeaderError", "QuickAppSourceError"]


class QuickAppSourceError(Exception):
    """A QuickApp's source cannot be loaded; the message names the file."""


class HeaderError(QuickAppSourceError):
    """Bad syntax in a `--%%` directive's value, at `path:line`."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


class FqaError(QuickAppSourceError):
    """An .fqa that is not JSON or not shaped like one the HC3 exports."""
