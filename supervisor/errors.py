"""The error tree of supervision, as seen by the owner of the worker table.

    WorkerError                     something about one worker went wrong (never a supervisor bug)
    +-- UnknownWorker               no worker with this id in the table       (also a KeyError)
    +-- WorkerNotRunning            request/notify to a worker that is not RUNNING
    +-- WorkerGone                  the worker's process ended while a request waited for it
    +-- RequestFailed               the worker answered a request with ok=False (`reason`)
    +-- RequestTimeout              no answer within the request's timeout    (also a TimeoutError)
    +-- WaitTimeout                 a worker did not reach a state in time    (also a TimeoutError)

Wire errors (`plua2.shared.errors`) stay separate: a RemoteProtocolError from a worker never reaches
the owner (the worker is killed and restarted); a LocalProtocolError (a request whose params cannot
be encoded) is our caller's bug and propagates as is.
"""

from __future__ import annotations

__all__ = [
    "RequestFailed",
    "RequestTimeout",
    "UnknownWorker",
    "WaitTimeout",
    "WorkerError",
    "WorkerGone",
    "WorkerNotRunning",
]


class WorkerError(Exception):
    """Base of every supervision error about one worker."""

    def __init__(self, worker_id: int, message: str) -> None:
        super().__init__(f"worker {worker_id}: {message}")
        self.worker_id = worker_id


class UnknownWorker(WorkerError, KeyError):
    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class WorkerNotRunning(WorkerError):
    pass


class WorkerGone(WorkerError):
    pass


class RequestFailed(WorkerError):
    def __init__(self, worker_id: int, method: str, reason: str) -> None:
        super().__init__(worker_id, f"{method} failed: {reason}")
        self.method = method
        self.reason = reason


class RequestTimeout(WorkerError, TimeoutError):
    pass


class WaitTimeout(WorkerError, TimeoutError):
    pass
