"""The emulated HC3's wall clock as the REST API reads it (timestamps, dates, sunrise/sunset).

Theory of operation
-------------------
Every HC3 time the API shows (settings/info `timestamp`/`date`/`sunriseHour`/`sunsetHour`,
refreshStates `timestamp`/`date`, an event's `created`, a device's `modified`) comes from `now()`,
never from `time.time()` directly. It is the machine's clock until the supervisor that serves the
API installs its emulated clock (`use(source)`, supervisor/hc3_clock.py: `--speed`, `--instant`,
`--start`, `POST /plua/time`). One source per process: a process serves one emulated HC3.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

from ..shared.virtual_time import sun_hours

__all__ = ["date_text", "now", "sun", "use"]

_source: Callable[[], float] = time.time


def now() -> float:
    """The emulated wall clock, epoch seconds."""
    return _source()


def use(source: Callable[[], float] | None) -> None:
    """Read the wall clock from `source` from now on (None: the machine's clock again)."""
    global _source
    _source = source or time.time


def date_text(wall: float | None = None) -> str:
    """The HC3's `date` field: "HH:MM | DD.MM.YYYY" in local time."""
    return time.strftime("%H:%M | %d.%m.%Y", time.localtime(now() if wall is None else wall))


def sun(latitude: float, longitude: float, wall: float | None = None) -> tuple[str, str]:
    """Sunrise and sunset ("HH:MM") of the emulated day at a place, in local time."""
    moment = time.localtime(now() if wall is None else wall)
    day = date(moment.tm_year, moment.tm_mon, moment.tm_mday)
    return sun_hours(day, latitude, longitude, moment.tm_gmtoff)
