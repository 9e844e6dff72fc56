"""The job families the sandbox serves, one module each, keyed by their path segment."""

from __future__ import annotations

from .ai_shorts import AI_SHORTS
from .aurora import AURORA
from .base import Family
from .lipsyncs import LIPSYNCS
from .lipsyncs_v2 import LIPSYNCS_V2

FAMILIES: dict[str, Family] = {
    family.key: family for family in (AURORA, LIPSYNCS, LIPSYNCS_V2, AI_SHORTS)
}
_BY_SEGMENT = {family.segment: family for family in FAMILIES.values()}

__all__ = [
    "AI_SHORTS",
    "AURORA",
    "FAMILIES",
    "LIPSYNCS",
    "LIPSYNCS_V2",
    "Family",
    "by_segment",
    "family_named",
]


def family_named(key: str | Family) -> Family:
    """The family with this key (a Family passes through); ValueError if none."""
    if isinstance(key, Family):
        return key
    try:
        return FAMILIES[key]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown job family {key!r}; expected one of {', '.join(FAMILIES)}"
        ) from None


def by_segment(segment: str) -> Family | None:
    """The family served at ``/api/<segment>/``."""
    return _BY_SEGMENT.get(segment)
