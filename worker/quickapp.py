"""Start a QuickApp in a worker, as an HC3 does: its files, its main file, then `QuickApp(device)`.

Theory of operation
-------------------
The Load options' `quickapp` map (checked by `quickapp_from_wire`) turns `Runtime.load` into
`load_quickapp`:

1. every file is compiled first (the `files` in order, each as chunk "@<name>", then the main
   source): one syntax error is an `Error("load")` and the worker exits 2, as for a script;
2. `internal.quickapp_prepare(id)` (lua_runtime/quickapp.lua): `__TAG`, `plugin.mainDeviceId`,
   `print`, and the "action" / "uiEvent" request handlers;
3. the files run in order, then the main chunk; a runtime error stops the start-up there;
4. `internal.quickapp_start(device, children)`: `quickApp = QuickApp(device)` if `QuickApp.onInit`
   exists, which runs `onInit` and `initChildDevices`.

A runtime error (or budget / memory failure) in steps 2-4 is one `Error("init")` with its traceback;
the worker keeps running (timers already set go on; the supervisor marks the device crashed), so the
function still returns True. All of it runs before `Ready`, one callback at a time.

The Lua side is all in lua_runtime/ (class.lua, fibaro.lua, quickapp.lua). The wire contract with
the supervisor:

- Load: `sandbox="quickapp"`, source = the main file, chunkname "@main" (or the file name),
  `options["quickapp"] = {"id", "files": [{"name", "content"}], "device": DeviceDto,
  "children": [DeviceDto]}` (`files` and `children` optional; without `children` the first
  initChildDevices asks GET /devices?parentId=<id>).
- worker -> supervisor, blocking: Request "api" with params `[method, path]` or
  `[method, path, body]` (path relative to /api, e.g. "/devices/5000"; body any wire value),
  answered ok=True with `{"status": int, "data": any}`. An HTTP error is a status, not ok=False;
  ok=False (or a timeout) becomes a Lua error at the api.* call.
- supervisor -> worker, notifications (rid 0): "action" `[deviceId, actionName, args list]` and
  "uiEvent" `[{deviceId, eventType, elementName, values}]`. A failing handler is an Error
  "callback" with the Lua traceback; the QuickApp goes on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..shared.messages import Error
from .lua_values import wire_to_lua

if TYPE_CHECKING:
    from .runtime import Runtime

__all__ = ["load_quickapp", "quickapp_from_wire"]


def quickapp_from_wire(value: Any) -> dict[str, Any]:
    """Check the `quickapp` Load option. Raises ValueError with a one-line reason."""
    if not isinstance(value, dict):
        raise ValueError("option quickapp must be a map")
    qa_id = value.get("id")
    if isinstance(qa_id, bool) or not isinstance(qa_id, int):
        raise ValueError("option quickapp.id must be an integer")
    files = value.get("files", [])
    if not isinstance(files, list) or not all(
        isinstance(f, dict) and isinstance(f.get("name"), str) and isinstance(f.get("content"), str)
        for f in files
    ):
        raise ValueError("option quickapp.files must be a list of {name, content} strings")
    device = value.get("device")
    if not isinstance(device, dict):
        raise ValueError("option quickapp.device must be a map (the device's DeviceDto)")
    children = value.get("children")
    if children is not None and (
        not isinstance(children, list) or not all(isinstance(c, dict) for c in children)
    ):
        raise ValueError("option quickapp.children must be a list of maps (DeviceDtos)")
    return {"id": qa_id, "files": files, "device": device, "children": children}


def load_quickapp(runtime: Runtime, source: str | bytes, chunkname: str) -> bool:
    """Load and start the QuickApp described by `runtime.options.quickapp`. False on a syntax
    error (after sending Error "load"); True otherwise, also after an Error "init"."""
    quickapp = runtime.options.quickapp
    assert quickapp is not None
    try:
        chunks = [runtime.compile(f["content"], "@" + f["name"]) for f in quickapp.get("files", ())]
        chunks.append(runtime.compile(source, chunkname))
    except SyntaxError as exc:
        runtime.send(Error(runtime.generation, "load", str(exc), ""))
        return False
    internal = runtime.internal
    if not _run(runtime, internal.quickapp_prepare, quickapp["id"]):
        return True
    for chunk in chunks:
        if not _run(runtime, chunk):
            return True
    lua = runtime.lua
    children = quickapp.get("children")
    _run(
        runtime,
        internal.quickapp_start,
        wire_to_lua(lua, quickapp["device"]),
        None if children is None else wire_to_lua(lua, children),
    )
    return True


def _run(runtime: Runtime, fn: Any, *args: Any) -> bool:
    """Run one start-up step as a callback; a failure is sent as Error "init"."""
    ok, value = runtime.call_lua(fn, *args)
    if ok:
        return True
    kind, message, traceback = value
    if kind != "abort":
        runtime.errors_reported += 1
        runtime.send(Error(runtime.generation, "init", message, traceback))
    return False
