"""The emulated HC3's clock as a value: what the supervisor and every worker agree on.

Theory of operation
-------------------
Two scales of time:

- **virtual time** (`vmono`, seconds): the scale of timers. It never goes backwards. With the real
  clock it *is* `time.monotonic()`, so a worker whose clock turns virtual keeps its timers.
- **wall time** (epoch seconds, what `os.time()` shows) = virtual time + `offset`. Setting the
  clock to an earlier date changes only the offset: timers keep their order and their delays, as on
  an HC3 whose clock is set back.

A `TimeBase` maps a reading of `time.monotonic()` (one clock for every process of the machine) to
virtual time: `vmono + (monotonic - mono) * speed`. Speed 0 is a frozen clock: time moves only when
the supervisor says so (`--instant`, an advance) or when a worker jumps its own clock to its next
timer within the horizon the supervisor granted it (worker/clock.py, supervisor/time_policy.py).

Everything here is pure: no trio, no processes; `time.monotonic()`/`time.time()` are read only by
`TimeBase.real()`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import date, datetime

__all__ = ["TimeBase", "parse_wall_time", "sun_hours", "wall_text"]


@dataclass(frozen=True, slots=True)
class TimeBase:
    """Virtual time `vmono` at monotonic reading `mono`, running `speed`x; wall = vmono + offset."""

    vmono: float
    mono: float
    speed: float
    offset: float

    @classmethod
    def real(cls) -> TimeBase:
        """The machine's clock: virtual time is time.monotonic(), wall time is time.time()."""
        mono = time.monotonic()
        return cls(mono, mono, 1.0, time.time() - mono)

    @property
    def frozen(self) -> bool:
        return self.speed == 0

    def vmono_at(self, mono: float) -> float:
        """Virtual time at monotonic reading `mono` (never before `self.vmono`)."""
        if self.speed == 0 or mono <= self.mono:
            return self.vmono
        return self.vmono + (mono - self.mono) * self.speed

    def wall_at(self, mono: float) -> float:
        return self.vmono_at(mono) + self.offset

    def real_delay(self, vmono: float, mono: float) -> float | None:
        """Real seconds from monotonic reading `mono` until virtual time `vmono`; None: frozen."""
        remaining = vmono - self.vmono_at(mono)
        if remaining <= 0:
            return 0.0
        if self.speed == 0:
            return None
        return remaining / self.speed

    def anchored(self, mono: float, *, speed: float | None = None) -> TimeBase:
        """The same clock re-anchored at `mono` (optionally running at a new speed from there)."""
        return TimeBase(
            self.vmono_at(mono), mono, self.speed if speed is None else speed, self.offset
        )


def wall_text(wall: float) -> str:
    """`YYYY-MM-DD HH:MM:SS` in local time (the format `parse_wall_time` reads back)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(wall))


_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
            "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d")  # fmt: skip


def parse_wall_time(value: object) -> float:
    """Epoch seconds from a number or a local "YYYY-MM-DD HH:MM[:SS]". ValueError with a reason."""
    if isinstance(value, bool):
        raise ValueError("time must be epoch seconds or 'YYYY-MM-DD HH:MM[:SS]'")
    if isinstance(value, int | float):
        if not math.isfinite(value) or not 0 <= value < 253402300800:  # year 10000
            raise ValueError(f"time {value!r} is out of range")
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        for fmt in _FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
            except ValueError:
                continue
            return moment.timestamp()
        raise ValueError(f"time {value!r} is not 'YYYY-MM-DD HH:MM[:SS]'")
    raise ValueError("time must be epoch seconds or 'YYYY-MM-DD HH:MM[:SS]'")


def sun_hours(day: date, latitude: float, longitude: float, utc_offset: float) -> tuple[str, str]:
    """Sunrise and sunset ("HH:MM", local time at `utc_offset` seconds) of `day` at a place.

    The NOAA sunrise equation (zenith 90.833 degrees); polar day or night gives "00:00"/"23:59"
    or "00:00"/"00:00", as an HC3 shows something rather than nothing.
    """
    n = day.timetuple().tm_yday
    gamma = 2 * math.pi / 365 * (n - 1)
    eqtime = 229.18 * (
        0.000075 + 0.001868 * math.cos(gamma) - 0.032077 * math.sin(gamma)
        - 0.014615 * math.cos(2 * gamma) - 0.040849 * math.sin(2 * gamma)
    )  # fmt: skip
    decl = (
        0.006918 - 0.399912 * math.cos(gamma) + 0.070257 * math.sin(gamma)
        - 0.006758 * math.cos(2 * gamma) + 0.000907 * math.sin(2 * gamma)
        - 0.002697 * math.cos(3 * gamma) + 0.00148 * math.sin(3 * gamma)
    )  # fmt: skip
    lat = math.radians(latitude)
    cos_ha = math.cos(math.radians(90.833)) / (math.cos(lat) * math.cos(decl)) - math.tan(
        lat
    ) * math.tan(decl)
    if cos_ha <= -1:
        return "00:00", "23:59"
    if cos_ha >= 1:
        return "00:00", "00:00"
    ha = math.degrees(math.acos(cos_ha))
    noon = 720 - 4 * longitude - eqtime + utc_offset / 60  # minutes after local midnight

    def hhmm(minutes: float) -> str:
        m = round(minutes) % 1440
        return f"{m // 60:02d}:{m % 60:02d}"

    return hhmm(noon - 4 * ha), hhmm(noon + 4 * ha)
