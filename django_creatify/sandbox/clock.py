"""The sandbox clock: real time scaled by ``speed``, plus manual advances."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime


class Clock:
    """Sandbox time in epoch seconds.

    ``now = start + real elapsed x speed + advanced``. With ``manual=True`` real time is
    ignored, so tests decide exactly when jobs move. An infinite speed is "instant" for
    jobs (see ``timeline``); the clock itself then runs at real speed, because an
    infinite clock could not be turned into dates.
    """

    def __init__(
        self, *, speed: float = 1.0, manual: bool = False, start: float | None = None
    ) -> None:
        if not speed > 0:
            raise ValueError("speed must be a positive number (or inf)")
        self.speed = float(speed)
        self.manual = manual
        self._start = time.time() if start is None else float(start)
        self._real_start = time.monotonic()
        self._advanced = 0.0

    @property
    def started(self) -> float:
        """Sandbox time when the clock (re)started."""
        return self._start

    @property
    def instant(self) -> bool:
        return math.isinf(self.speed)

    def now(self) -> float:
        if self.manual:
            return self._start + self._advanced
        rate = 1.0 if self.instant else self.speed
        return self._start + (time.monotonic() - self._real_start) * rate + self._advanced

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        self._advanced += float(seconds)

    def restart(self, start: float | None = None) -> None:
        self._start = time.time() if start is None else float(start)
        self._real_start = time.monotonic()
        self._advanced = 0.0


def to_timestamp(value: object) -> float:
    """A datetime, ISO 8601 string or epoch number as epoch seconds (naive means UTC)."""
    if isinstance(value, bool):
        raise TypeError("expected a date-time, got a boolean")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    raise TypeError(f"expected a date-time, got {type(value).__name__}")


def isoformat(timestamp: float) -> str:
    """DRF's rendering of an aware UTC datetime: ISO 8601 with a ``Z``."""
    text = datetime.fromtimestamp(round(timestamp, 6), UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"
