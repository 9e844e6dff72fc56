"""The sandbox clock: real time, plus manual advances."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """Sandbox time in epoch seconds: ``now = start + real elapsed + advanced``.

    With ``manual=True`` real time is ignored, so tests decide exactly when jobs move.
    The clock never runs faster than real time, so the dates the sandbox serves are real
    ones, none in the future (unless a test starts or advances the clock there). How fast
    jobs move is the sandbox's ``speed``, which shortens their timelines instead
    (:class:`~django_creatify.sandbox.timeline.Profile`).
    """

    def __init__(self, *, manual: bool = False, start: float | None = None) -> None:
        self.manual = manual
        self._start = time.time() if start is None else float(start)
        self._real_start = time.monotonic()
        self._advanced = 0.0

    @property
    def started(self) -> float:
        """Sandbox time when the clock (re)started."""
        return self._start

    def now(self) -> float:
        if self.manual:
            return self._start + self._advanced
        return self._start + (time.monotonic() - self._real_start) + self._advanced

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
