"""Remote Aurora JSON -> model field values (and create bodies back).

Creatify may add fields and statuses at any time and its documentation disagrees with
itself on some types, so parsing is tolerant where meaning is preserved (numbers sent as
strings, ``progress`` as number or string, unknown statuses) and strict where it is not:
an item whose id is not a UUID, or whose field cannot be read as its type, is skipped
with a reason instead of writing a half-understood row.
"""

from __future__ import annotations

import itertools
import logging
import math
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from .choices import KNOWN_STATUSES

logger = logging.getLogger(__name__)

SHORT_TEXT_MAX = 64  # status and model_version: anything longer is not a real enum value
# No credit count, duration or progress comes near this; bounding every number keeps a
# sum over a million rows finite (an overflowing SUM fails the whole query on PostgreSQL).
NUMBER_MAX = 1e15
INTEGER_MAX = 2**31 - 1  # an IntegerField on PostgreSQL


class FieldRejected(ValueError):
    """A value that cannot be read as its field's type."""


@dataclass(frozen=True, slots=True)
class ParsedFlow:
    id: uuid.UUID
    values: dict[str, Any]
    raw: dict[str, Any]
    #: ``raw`` as JSON text fit to store as is (the item's own bytes from a listing), if any.
    raw_text: str | None = None
    #: :func:`django_creatify.listing.item_digest` of the item's bytes as listed, or "".
    digest: str = ""


@dataclass(frozen=True, slots=True)
class SkippedItem:
    index: int
    id: str | None
    reason: str

    @classmethod
    def of(cls, index: int, item: Any, reason: str) -> SkippedItem:
        raw_id = item.get("id") if isinstance(item, dict) else None
        return cls(index=index, id=_short_id(raw_id), reason=reason)

    def __str__(self) -> str:
        return f"item {self.index}{f' ({self.id})' if self.id else ''}: {self.reason}"


@dataclass(slots=True)
class ParseOutcome:
    flows: list[ParsedFlow] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldRejected(f"expected a string, got {_describe(value)}")
    return str(value)


def _short_text(value: Any) -> str:
    text = _text(value)
    if len(text) > SHORT_TEXT_MAX:
        raise FieldRejected(f"expected a short code, got {len(text)} characters")
    return text


def _number(value: Any) -> float:
    if value.__class__ is float and -NUMBER_MAX <= value <= NUMBER_MAX:
        return value
    if isinstance(value, bool):
        raise FieldRejected("expected a number, got a boolean")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            raise FieldRejected("number out of range") from None
    elif isinstance(value, str):
        try:
            # A string of digits past Python's conversion limit raises ValueError too.
            number = float(value.strip())
        except ValueError:
            raise FieldRejected(f"expected a number, got {_describe(value)}") from None
    else:
        raise FieldRejected(f"expected a number, got {_describe(value)}")
    if not math.isfinite(number):
        raise FieldRejected("expected a finite number")
    if abs(number) > NUMBER_MAX:
        raise FieldRejected("number out of range")
    return number


def _integer(value: Any) -> int:
    number = _number(value)
    if abs(number) > INTEGER_MAX:
        raise FieldRejected("integer out of range")
    return round(number)


def _boolean(value: Any) -> bool:
    if value is True or value is False:
        return value
    if value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise FieldRejected(f"expected a boolean, got {_describe(value)}")


def _datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise FieldRejected(f"expected an ISO 8601 date-time, got {_describe(value)}")
    try:
        # What parse_datetime tries first, without its overhead: most items take this path.
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise FieldRejected(f"expected an ISO 8601 date-time, got {_describe(value)}")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        # In UTC: PostgreSQL refuses offsets past 15:59 that Python accepts, and stores
        # 9999-12-31T23:59-14:00 as year 10000, which no Python datetime can read back.
        return parsed.astimezone(UTC)
    except OverflowError:
        raise FieldRejected(f"date-time out of range: {_describe(value)}") from None


def _uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value).strip()) if isinstance(value, str) else uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        raise FieldRejected(f"expected a UUID, got {_describe(value)}") from None


# field -> (parser, value stored when the field is absent or null)
FIELDS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "created_at": (_datetime, None),
    "updated_at": (_datetime, None),
    "name": (_text, None),
    "audio": (_text, ""),
    "image": (_text, ""),
    "text_prompt": (_text, ""),
    "prompt_guidance_scale": (_number, None),
    "model_version": (_short_text, ""),
    "video_output": (_text, None),
    "credits_used": (_number, None),
    "duration": (_integer, None),
    "progress": (_number, None),
    "failed_reason": (_text, ""),
    "media_job": (_uuid, None),
    "status": (_short_text, ""),
    "is_hidden": (_boolean, False),
    "webhook_url": (_text, None),
    "preview": (_text, None),
    "editor_url": (_text, None),
}
MIRRORED_FIELDS: tuple[str, ...] = tuple(FIELDS)


class _NoShortcut:
    """No value is of this type: the field's parser always runs."""


# Plain text arrives as str and is stored as sent, so those fields skip their parser call.
_PLAN = tuple(
    (name, str if parser is _text else _NoShortcut, parser, default)
    for name, (parser, default) in FIELDS.items()
)

_reported_statuses: set[str] = set()


def parse_flow(item: Any, *, raw_text: str | None = None, digest: str = "") -> ParsedFlow:
    """One remote item -> its id and model values; raises FieldRejected with the reason.

    ``raw_text`` and ``digest`` describe the item's bytes when it came from a listing.
    """
    if not isinstance(item, dict):
        raise FieldRejected(f"expected a JSON object, got {_describe(item)}")
    if item.get("id") in (None, ""):
        raise FieldRejected("no id")
    try:
        flow_id = _uuid(item["id"])
    except FieldRejected as exc:
        raise FieldRejected(f"id: {exc}") from None
    values: dict[str, Any] = {}
    get = item.get
    for name, shortcut_type, parser, default in _PLAN:
        value = get(name)
        if value is None:
            values[name] = default
        elif value.__class__ is shortcut_type:
            values[name] = value
        else:
            try:
                values[name] = parser(value)
            except FieldRejected as exc:
                raise FieldRejected(f"{name}: {exc}") from None
    status = values["status"]
    if status and status not in KNOWN_STATUSES and status not in _reported_statuses:
        _reported_statuses.add(status)
        logger.warning(
            "Creatify sent an unknown Aurora status %r (job %s); stored as sent", status, flow_id
        )
    return ParsedFlow(id=flow_id, values=values, raw=item, raw_text=raw_text, digest=digest)


def parse_flows(
    items: Iterable[Any], *, start_index: int = 0, indexes: Iterable[int] | None = None
) -> ParseOutcome:
    """Parse items; ``indexes`` (or ``start_index`` onwards) are their listing positions."""
    outcome = ParseOutcome()
    positions = indexes if indexes is not None else itertools.count(start_index)
    for index, item in zip(positions, items, strict=False):  # positions may be endless
        try:
            outcome.flows.append(parse_flow(item))
        except FieldRejected as exc:
            outcome.skipped.append(SkippedItem.of(index, item, str(exc)))
    return outcome


CREATE_FIELDS = (
    "audio",
    "image",
    "name",
    "text_prompt",
    "prompt_guidance_scale",
    "model_version",
    "resolution",
    "ttl_days",
    "output_upload_url",
    "webhook_url",
)


def create_body(**fields: Any) -> dict[str, Any]:
    """The JSON body for ``POST /api/aurora/``: the create fields that were given."""
    unknown = set(fields) - set(CREATE_FIELDS)
    if unknown:
        raise TypeError(f"Not Aurora create fields: {', '.join(sorted(unknown))}")
    return {name: value for name, value in fields.items() if value is not None}


def _short_id(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= 64 else text[:63] + "…"


def _describe(value: Any) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:39] + "…"
        return f"{shown!r}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return f"{type(value).__name__} {value!r}"[:60]
