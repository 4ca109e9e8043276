"""The error tree of the worker wire.

    ProtocolError                 anything wrong on a worker's channel
    +-- LocalProtocolError        we tried to send something the wire cannot carry: our bug
    +-- RemoteProtocolError       the peer sent bytes that are not a valid frame or message

A RemoteProtocolError from a worker is that worker's fault only: the supervisor kills and restarts it
and carries on. A LocalProtocolError is a bug in plua2 and fails loudly in tests.
"""

from __future__ import annotations

__all__ = ["LocalProtocolError", "ProtocolError", "RemoteProtocolError"]


class ProtocolError(Exception):
    """Something is wrong with the bytes or messages on a worker channel."""


class LocalProtocolError(ProtocolError):
    """We asked the codec to send something it cannot encode."""


class RemoteProtocolError(ProtocolError):
    """The peer sent a malformed, truncated, oversized or unknown frame."""
