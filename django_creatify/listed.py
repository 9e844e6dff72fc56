"""What a scan of a list body yields: each item with the digest of its exact bytes, and
the values that stand for items not decoded.

Kept apart from :mod:`django_creatify.listing` so that the scanner stays one module's
reading; that module re-exports these names.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

#: The length of an item's digest in hex digits (``raw_digest``).
DIGEST_CHARS = 32


def item_digest(data: bytes | bytearray) -> str:
    """What identifies an item's bytes: SHA-256 cut to 128 bits, so unequal bytes never
    share one. (Most servers' CPUs hash SHA-256 in hardware, about twice BLAKE2b's speed;
    :mod:`django_creatify.listing` inlines this in its scan, and a test holds the two
    equal.)"""
    return hashlib.sha256(data).hexdigest()[:DIGEST_CHARS]


class Recognised:
    """The value of an item whose digest was known: it was not decoded."""

    def __repr__(self) -> str:
        return "RECOGNISED"


RECOGNISED = Recognised()


@dataclass(frozen=True, slots=True)
class Unreadable:
    """The value of an item that is whole JSON but was not decoded; a sync skips it."""

    reason: str
    #: The item's ``"id"``, when it could be found without decoding the item.
    id: str | None = None


@dataclass(slots=True)
class ListedItem:
    index: int
    offset: int
    length: int
    #: The digest of the item's bytes; empty for an item too large to be kept.
    digest: str
    #: The decoded item, ``RECOGNISED`` or an ``Unreadable``.
    value: Any
    #: The item's JSON text, when it can be stored as sent (no NaN, nothing scrubbed).
    text: str | None = None
