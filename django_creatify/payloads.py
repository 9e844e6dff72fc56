"""Remote job JSON -> model field values, driven by a family's description (and create
bodies back).

Parsing is tolerant where meaning is preserved (numbers sent as strings, ``progress`` as
number or string, unknown statuses) and strict where it is not: an item whose id is not a
UUID, or whose field cannot be read as its type (:mod:`.parsers`), is skipped with a
reason instead of writing a half-understood row.

Tuned for speed (``benchmarks/sync_benchmark.py`` guards it): a family's fields become a
plan once, and plain text skips its parser call.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .choices import KNOWN_STATUSES
from .families import AURORA, Family
from .parsers import FieldRejected, describe, text, uuid_value

logger = logging.getLogger(__name__)

__all__ = [
    "CREATE_FIELDS",
    "FIELDS",
    "MIRRORED_FIELDS",
    "FieldRejected",
    "ParseOutcome",
    "ParsedFlow",
    "ParsedJob",
    "SkippedItem",
    "create_body",
    "parse_flow",
    "parse_flows",
    "parse_job",
    "parse_jobs",
]


@dataclass(frozen=True, slots=True)
class ParsedJob:
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
    flows: list[ParsedJob] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)


# Aurora's names, from before there were several families.
ParsedFlow = ParsedJob
FIELDS = AURORA.fields
MIRRORED_FIELDS: tuple[str, ...] = AURORA.mirrored_fields
CREATE_FIELDS = AURORA.create_fields


class _NoShortcut:
    """No value is of this type: the field's parser always runs."""


#: Per field: its name, the type its value skips the parser as, its parser, its default.
_Plan = tuple[tuple[str, type, Callable[[Any], Any], Any], ...]
_plans: dict[str, _Plan] = {}


def _plan(family: Family) -> _Plan:
    plan = _plans.get(family.name)
    if plan is None:
        # Plain text arrives as str and is stored as sent, so those fields skip their parser.
        plan = _plans[family.name] = tuple(
            (name, str if parser is text else _NoShortcut, parser, default)
            for name, (parser, default) in family.fields.items()
        )
    return plan


_reported_statuses: set[tuple[str, str]] = set()


def parse_job(
    family: Family, item: Any, *, raw_text: str | None = None, digest: str = ""
) -> ParsedJob:
    """One remote item -> its id and model values; raises FieldRejected with the reason.

    ``raw_text`` and ``digest`` describe the item's bytes when it came from a listing.
    """
    if not isinstance(item, dict):
        raise FieldRejected(f"expected a JSON object, got {describe(item)}")
    if item.get("id") in (None, ""):
        raise FieldRejected("no id")
    try:
        job_id = uuid_value(item["id"])
    except FieldRejected as exc:
        raise FieldRejected(f"id: {exc}") from None
    values: dict[str, Any] = {}
    get = item.get
    for name, shortcut_type, parser, default in _plan(family):
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
    if status and status not in KNOWN_STATUSES and (family.name, status) not in _reported_statuses:
        _reported_statuses.add((family.name, status))
        logger.warning(
            "Creatify sent an unknown %s status %r (job %s); stored as sent",
            family.label,
            status,
            job_id,
        )
    return ParsedJob(id=job_id, values=values, raw=item, raw_text=raw_text, digest=digest)


def parse_jobs(
    family: Family,
    items: Iterable[Any],
    *,
    start_index: int = 0,
    indexes: Iterable[int] | None = None,
) -> ParseOutcome:
    """Parse items; ``indexes`` (or ``start_index`` onwards) are their listing positions."""
    outcome = ParseOutcome()
    positions = indexes if indexes is not None else itertools.count(start_index)
    for index, item in zip(positions, items, strict=False):  # positions may be endless
        try:
            outcome.flows.append(parse_job(family, item))
        except FieldRejected as exc:
            outcome.skipped.append(SkippedItem.of(index, item, str(exc)))
    return outcome


def parse_flow(item: Any, *, raw_text: str | None = None, digest: str = "") -> ParsedJob:
    """An Aurora item: :func:`parse_job` of the Aurora family."""
    return parse_job(AURORA, item, raw_text=raw_text, digest=digest)


def parse_flows(
    items: Iterable[Any], *, start_index: int = 0, indexes: Iterable[int] | None = None
) -> ParseOutcome:
    return parse_jobs(AURORA, items, start_index=start_index, indexes=indexes)


def create_body(family: Family = AURORA, /, **fields: Any) -> dict[str, Any]:
    """The JSON body of a create (or preview) call: the family's create fields given."""
    unknown = set(fields) - set(family.create_fields)
    if unknown:
        raise TypeError(f"Not {family.label} create fields: {', '.join(sorted(unknown))}")
    return {name: value for name, value in fields.items() if value is not None}


def _short_id(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= 64 else text[:63] + "…"
