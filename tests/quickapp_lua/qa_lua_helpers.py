"""Helpers for the QuickApp Lua API tests: a tiny in-memory HC3 answering `_PY.call("api", ...)`,
an in-process QuickApp runtime over it, and a worker process driver (tests/worker's)."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from plua2.shared.messages import Error, Log, Message, Request
from plua2.worker.options import LoadOptions
from plua2.worker.runtime import Runtime

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "worker"))

from worker_helpers import WorkerProcess as WorkerProcess  # noqa: E402

QA_ID = 5000


def qa_device(
    qa_id: int = QA_ID,
    *,
    name: str = "My QA",
    type: str = "com.fibaro.binarySwitch",
    parent_id: int = 0,
    properties: dict[str, Any] | None = None,
    interfaces: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "id": qa_id,
        "name": name,
        "type": type,
        "roomID": 219,
        "parentId": parent_id,
        "enabled": True,
        "visible": True,
        "isPlugin": True,
        "interfaces": interfaces if interfaces is not None else ["quickApp"],
        "properties": properties if properties is not None else {"value": False},
    }


class FakeHC3:
    """Answers the worker's "api" calls from a few dicts, and records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []
        self.devices: dict[int, dict[str, Any]] = {}
        self.rooms: dict[int, dict[str, Any]] = {
            219: {"id": 219, "name": "Kitchen", "sectionID": 7}
        }
        self.globals: dict[str, dict[str, Any]] = {
            "Mode": {"name": "Mode", "value": "Home", "modified": 1700000000}
        }
        self.variables: dict[int, dict[str, dict[str, Any]]] = {}
        self.partitions = [{"id": 1, "armed": True}, {"id": 2, "armed": False}]
        self.breached = [2]
        self.next_id = 6000
        # canned answers: (method, path) -> (status, data), checked first
        self.canned: dict[tuple[str, str], tuple[int, Any]] = {}
        # answer [status, data] (what plua2 up's supervisor sends) instead of {status, data}
        self.array_results = False

    def add(self, device: dict[str, Any]) -> dict[str, Any]:
        self.devices[device["id"]] = device
        return device

    def api(self, method: str, path: str, body: Any = None) -> Any:
        self.calls.append((method, path, copy.deepcopy(body)))
        status, data = self._route(method, path, body)
        if self.array_results:
            return [status, data]
        return {"status": status, "data": data}

    def paths(self, method: str | None = None) -> list[str]:
        return [p for m, p, _ in self.calls if method is None or m == method]

    def _route(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if (method, path) in self.canned:
            return self.canned[(method, path)]
        url = urlsplit(path)
        parts = [p for p in url.path.split("/") if p]
        query = parse_qs(url.query)
        not_found = (404, {"type": "ERROR", "reason": "not found", "message": path})
        match method, parts:
            case "GET", ["devices"]:
                devices = list(self.devices.values())
                if "parentId" in query:
                    devices = [d for d in devices if d["parentId"] == int(query["parentId"][0])]
                return 200, devices
            case "GET", ["devices", "hierarchy"]:
                return 200, {
                    "type": "com.fibaro.device",
                    "children": [
                        {
                            "type": "com.fibaro.actor",
                            "children": [{"type": "com.fibaro.binarySwitch", "children": []}],
                        }
                    ],
                }
            case "GET", ["devices", device_id]:
                device = self.devices.get(int(device_id))
                return (200, device) if device else not_found
            case "GET", ["devices", device_id, "properties", prop]:
                device = self.devices.get(int(device_id))
                if not device or prop not in device["properties"]:
                    return not_found
                return 200, {"value": device["properties"][prop], "modified": 1700000001}
            case "PUT", ["devices", device_id]:
                self.devices[int(device_id)].update(body)
                return 200, self.devices[int(device_id)]
            case "POST", ["devices", _device_id, "action", _action]:
                return 202, {}
            case "POST", ["plugins", "updateProperty"]:
                self.devices[body["deviceId"]]["properties"][body["propertyName"]] = body["value"]
                return 204, None
            case "POST", ["plugins", "createChildDevice"]:
                self.next_id += 1
                child = qa_device(
                    self.next_id,
                    name=body["name"],
                    type=body["type"],
                    parent_id=body["parentId"],
                    properties=dict(body.get("initialProperties") or {}),
                    interfaces=list(body.get("initialInterfaces") or []),
                )
                return 200, self.add(child)
            case "DELETE", ["plugins", "removeChildDevice", device_id]:
                self.devices.pop(int(device_id), None)
                return 200, None
            case "GET", ["plugins", device_id, "variables", name]:
                var = self.variables.get(int(device_id), {}).get(name)
                return (200, var) if var else not_found
            case "GET", ["plugins", device_id, "variables"]:
                return 200, list(self.variables.get(int(device_id), {}).values())
            case "PUT", ["plugins", device_id, "variables", name]:
                store = self.variables.setdefault(int(device_id), {})
                if name not in store:
                    return not_found
                store[name] = body
                return 200, body
            case "POST", ["plugins", device_id, "variables"]:
                self.variables.setdefault(int(device_id), {})[body["name"]] = body
                return 201, body
            case "DELETE", ["plugins", device_id, "variables", name]:
                self.variables.get(int(device_id), {}).pop(name, None)
                return 200, None
            case "DELETE", ["plugins", device_id, "variables"]:
                self.variables.pop(int(device_id), None)
                return 200, None
            case "GET", ["rooms", room_id]:
                room = self.rooms.get(int(room_id))
                return (200, room) if room else not_found
            case "GET", ["globalVariables", name]:
                var = self.globals.get(name)
                return (200, var) if var else not_found
            case "GET", ["alarms", "v1", "partitions"]:
                return 200, self.partitions
            case "GET", ["alarms", "v1", "partitions", "breached"]:
                return 200, self.breached
            case "GET", ["alarms", "v1", "partitions", partition_id]:
                found = [p for p in self.partitions if p["id"] == int(partition_id)]
                return (200, found[0]) if found else not_found
            case "POST", ["devices", "groupAction", _action]:
                return 202, {"devices": [10, 11]}
        if method == "GET":
            return not_found
        return 200, None


class QuickAppHost:
    """A worker Host whose blocking "api" calls go to a FakeHC3."""

    def __init__(self, hc3: FakeHC3) -> None:
        self.hc3 = hc3
        self.sent: list[Message] = []
        self.slept: list[float] = []

    def send(self, message: Message) -> None:
        self.sent.append(message)

    def call(self, method: str, params: list[Any], timeout: float) -> Any:
        if method != "api":
            raise RuntimeError(f"no such method {method}")
        return self.hc3.api(*params)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def logs(self, level: str | None = None) -> list[str]:
        return [
            m.text for m in self.sent if isinstance(m, Log) and (level is None or m.level == level)
        ]

    def log_messages(self) -> list[Log]:
        return [m for m in self.sent if isinstance(m, Log)]

    def errors(self) -> list[Error]:
        return [m for m in self.sent if isinstance(m, Error)]


def quickapp_option(
    device: dict[str, Any],
    files: list[dict[str, str]] | None = None,
    children: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    option: dict[str, Any] = {"id": device["id"], "files": files or [], "device": device}
    if children is not None:
        option["children"] = children
    return option


def start_quickapp(
    source: str,
    *,
    hc3: FakeHC3 | None = None,
    device: dict[str, Any] | None = None,
    files: list[dict[str, str]] | None = None,
    children: list[dict[str, Any]] | None = None,
    budget: float = 3.0,
) -> tuple[Runtime, QuickAppHost]:
    """A QuickApp runtime over a FakeHC3, loaded and started (onInit has run)."""
    hc3 = hc3 or FakeHC3()
    device = device or hc3.devices.get(QA_ID) or hc3.add(qa_device())
    host = QuickAppHost(hc3)
    options = LoadOptions.from_wire(
        {
            "sandbox": "quickapp",
            "budget": budget,
            "quickapp": quickapp_option(device, files, children),
        }
    )
    runtime = Runtime(7, options, host)
    runtime.load(source, "@main")
    return runtime, host


def notify(runtime: Runtime, method: str, *params: Any) -> None:
    """Deliver a supervisor notification (a Request with rid 0) and handle it now."""
    runtime.handle(Request(7, 0, method, list(params)))


def lua(runtime: Runtime, code: str) -> Any:
    """The first value of a REPL line, as a wire value."""
    values = runtime.eval(code)
    return values[0] if values else None
