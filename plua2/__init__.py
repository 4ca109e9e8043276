"""plua2: an async Lua runtime and an emulated Fibaro Home Center 3.

The import package `plua2` is the one root: its subpackages live in the repository's top-level
folders (`supervisor/`, `worker/`, `shared/`, `lua_runtime/`, `fibaro_api/`, `webui/`).
"""

__version__ = "0.1.0"
