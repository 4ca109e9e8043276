"""The Lua side of plua2: the API that Lua code sees, written in Lua, shipped as package data.

Files are loaded by the worker in this order (each as its own chunk, `...` = the private `internal`
table that bootstrap.lua returns):

    bootstrap.lua   host-function wrappers (_PY), callback runner and budget hook, print, exit
    timers.lua      setTimeout / clearTimeout / setInterval / clearInterval
    clock.lua       os.time / os.date on the emulated clock once it is virtual
    json.lua        json.encode / json.decode / json.util
    class.lua       class "Name" (Base), property(getter, setter)
    fibaro.lua      api.*, fibaro.* (alias hub), plugin.*, string.split / string.starts
    quickapp.lua    QuickAppBase / QuickApp / QuickAppChild, onAction / onUIEvent, start-up
    sandbox.lua     last: removes what the chosen sandbox ("script" or "quickapp") forbids

`read_lua(name)` gives a file's bytes (Lua source is bytes for the runtime, see worker/lua_values).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

__all__ = ["LIBRARY_ORDER", "read_lua"]

#: the library chunks loaded after bootstrap.lua, in order
LIBRARY_ORDER = (
    "timers.lua",
    "clock.lua",
    "json.lua",
    "class.lua",
    "fibaro.lua",
    "quickapp.lua",
    "net.lua",
    "mqtt.lua",
    "sandbox.lua",
)


@cache
def read_lua(name: str) -> bytes:
    """The bytes of `lua_runtime/<name>` (e.g. "json.lua"). Raises FileNotFoundError."""
    return resources.files(__name__).joinpath(name).read_bytes()
