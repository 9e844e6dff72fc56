"""The job families the sandbox serves, one module each, keyed by their path segment."""

from __future__ import annotations

from .aurora import AURORA
from .base import Family

FAMILIES: dict[str, Family] = {family.key: family for family in (AURORA,)}
_BY_SEGMENT = {family.segment: family for family in FAMILIES.values()}

__all__ = ["AURORA", "FAMILIES", "Family", "by_segment", "family_named"]


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
