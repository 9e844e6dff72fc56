"""Readers of remote JSON values, one per field type a family's description names.

Creatify may add fields at any time and its documentation disagrees with itself on some
types, so each reader is tolerant where meaning is preserved (numbers sent as strings,
booleans as 0/1) and strict where it is not: a value it cannot read raises
:class:`FieldRejected` with the reason, and the item is skipped rather than half written.
Every number is bounded, so that a sum over a million rows stays finite.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime

SHORT_TEXT_MAX = 64  # status and model_version: anything longer is not a real enum value
# No credit count, duration or progress comes near this; bounding every number keeps a
# sum over a million rows finite (an overflowing SUM fails the whole query on PostgreSQL).
NUMBER_MAX = 1e15
INTEGER_MAX = 2**31 - 1  # an IntegerField on PostgreSQL


class FieldRejected(ValueError):
    """A value that cannot be read as its field's type."""


def text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldRejected(f"expected a string, got {describe(value)}")
    return str(value)


def short_text(value: Any) -> str:
    code = text(value)
    if len(code) > SHORT_TEXT_MAX:
        raise FieldRejected(f"expected a short code, got {len(code)} characters")
    return code


def number(value: Any) -> float:
    if value.__class__ is float and -NUMBER_MAX <= value <= NUMBER_MAX:
        return value
    if isinstance(value, bool):
        raise FieldRejected("expected a number, got a boolean")
    if isinstance(value, int | float):
        try:
            parsed = float(value)
        except OverflowError:
            raise FieldRejected("number out of range") from None
    elif isinstance(value, str):
        try:
            # A string of digits past Python's conversion limit raises ValueError too.
            parsed = float(value.strip())
        except ValueError:
            raise FieldRejected(f"expected a number, got {describe(value)}") from None
    else:
        raise FieldRejected(f"expected a number, got {describe(value)}")
    if not math.isfinite(parsed):
        raise FieldRejected("expected a finite number")
    if abs(parsed) > NUMBER_MAX:
        raise FieldRejected("number out of range")
    return parsed


def integer(value: Any) -> int:
    parsed = number(value)
    if abs(parsed) > INTEGER_MAX:
        raise FieldRejected("integer out of range")
    return round(parsed)


def boolean(value: Any) -> bool:
    if value is True or value is False:
        return value
    if value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise FieldRejected(f"expected a boolean, got {describe(value)}")


def date_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise FieldRejected(f"expected an ISO 8601 date-time, got {describe(value)}")
    try:
        # What parse_datetime tries first, without its overhead: most items take this path.
        parsed: datetime | None = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise FieldRejected(f"expected an ISO 8601 date-time, got {describe(value)}")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        # In UTC: PostgreSQL refuses offsets past 15:59 that Python accepts, and stores
        # 9999-12-31T23:59-14:00 as year 10000, which no Python datetime can read back.
        return parsed.astimezone(UTC)
    except OverflowError:
        raise FieldRejected(f"date-time out of range: {describe(value)}") from None


def uuid_value(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value).strip()) if isinstance(value, str) else uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        raise FieldRejected(f"expected a UUID, got {describe(value)}") from None


def describe(value: Any) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:39] + "…"
        return f"{shown!r}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return f"{type(value).__name__} {value!r}"[:60]


def progress_text(value: Any) -> float | None:
    """``progress`` where Creatify types it as a string: a number as text, perhaps with a
    ``%``. Its format is undocumented, so text that is not a number is stored as unknown
    (``None``; the payload keeps it) rather than costing the whole job."""
    if isinstance(value, str):
        value = value.strip().removesuffix("%").strip()
        if not value:
            return None
    try:
        return number(value)
    except FieldRejected:
        return None


def json_value(value: Any) -> Any:
    """A nested value stored as JSON as sent (its depth is bounded by the listing)."""
    return value
