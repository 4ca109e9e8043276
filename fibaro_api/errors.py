"""The error tree of the emulated HC3, and its one mapping to HC3 error bodies.

    HC3Error                      anything the API refuses; carries an HTTP status
    +-- BadRequest       400      malformed JSON, wrong types, missing fields, a non-numeric id
    +-- Unauthorized     401      missing or wrong HTTP Basic credentials
    +-- Forbidden        403      the HC3 refuses this (e.g. deleting device 1)
    +-- NotFound         404      unknown id, name or path
    +-- MethodNotAllowed 405      a path plua2 serves, with a method neither it nor the HC3 has
    +-- Conflict         409      a name that already exists (global variables, custom events)
    +-- NotImplementedYet 501     a path the HC3 has and plua2 does not serve (yet)

Every handler raises these and nothing else on bad input; the router turns them into
`(status, {"type": "ERROR", "reason": ..., "message": ...})` in `error_body`, the only place that
shapes an HC3 error. Any other exception escaping a handler is a plua2 bug: the router answers 500
with the same body shape (and tests fail on it).
"""

from __future__ import annotations

__all__ = [
    "BadRequest",
    "Conflict",
    "Forbidden",
    "HC3Error",
    "MethodNotAllowed",
    "NotFound",
    "NotImplementedYet",
    "Unauthorized",
    "error_body",
]


class HC3Error(Exception):
    """An API refusal: an HTTP status, an HC3 `reason` and a human `message`."""

    status = 500
    reason = "INTERNAL_ERROR"

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason


class BadRequest(HC3Error):
    status = 400
    reason = "BAD_REQUEST"


class Unauthorized(HC3Error):
    status = 401
    reason = "UNAUTHORIZED"


class Forbidden(HC3Error):
    status = 403
    reason = "FORBIDDEN"


class NotFound(HC3Error):
    status = 404
    reason = "NOT_FOUND"


class MethodNotAllowed(HC3Error):
    status = 405
    reason = "METHOD_NOT_ALLOWED"


class Conflict(HC3Error):
    status = 409
    reason = "CONFLICT"


class NotImplementedYet(HC3Error):
    status = 501
    reason = "NOT_IMPLEMENTED"


def error_body(error: HC3Error) -> dict[str, str]:
    """The HC3's `HCErrorDto` for an error."""
    return {"type": "ERROR", "reason": error.reason, "message": error.message}
