"""The web dashboard of `plua2 up`: devices and workers, live logs, QuickApp panels, a Lua console.

`mount(app, api, auth)` adds it to the supervisor's quart-trio app (fibaro_api/app.py does).
`live.publish(topic, payload)` feeds it from anywhere in the supervisor (live.py).
The page itself is plain HTML, CSS and JavaScript in `static/`, shipped as package data.
"""

from __future__ import annotations

from .routes import mount

__all__ = ["mount"]
