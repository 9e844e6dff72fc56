"""What a sync did: counts, skipped items with their reasons, ids Creatify lacked."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from ..payloads import SkippedItem

logger = logging.getLogger("django_creatify.sync")

# Enough to show what went wrong; a listing of 100,000 broken items must not fill memory.
MAX_SKIPPED_KEPT = 1000


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    #: Items older (``updated_at``) than the mirrored row: ignored, counted apart.
    stale: int = 0
    #: Rows a full listing no longer contains, newly marked ``missing_since``.
    missing: int = 0
    #: Rows a full listing lacked but that were not marked, because the listing looked like
    #: a glitch (empty, or lacking more than ``SYNC_MISSING_MAX_SHARE`` of the mirror).
    missing_withheld: int = 0
    requests: int = 0
    skipped_items: list[SkippedItem] = field(default_factory=list)
    #: With ``ids``: those Creatify did not return (it does not know them). Nothing is
    #: written for them. Left empty by a full sync.
    not_found: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.created + self.updated

    def merge(self, other: SyncResult) -> SyncResult:
        for name in (
            "created",
            "updated",
            "unchanged",
            "skipped",
            "stale",
            "missing",
            "missing_withheld",
            "requests",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped_items.extend(other.skipped_items)
        return self

    def skip(self, items: list[SkippedItem]) -> None:
        for item in items:
            logger.warning("Creatify sync skipped %s", item)
        self.skipped += len(items)
        room = MAX_SKIPPED_KEPT - len(self.skipped_items)
        self.skipped_items.extend(items[: max(room, 0)])

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "stale": self.stale,
            "missing": self.missing,
            "missing_withheld": self.missing_withheld,
            "requests": self.requests,
            "skipped_reasons": [str(item) for item in self.skipped_items[:50]],
        }

    def __str__(self) -> str:
        text = (
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
            f"skipped {self.skipped}"
        )
        if self.stale:
            text += f", stale {self.stale}"
        if self.missing:
            text += f", missing {self.missing}"
        if self.missing_withheld:
            text += f", {self.missing_withheld} not marked missing (the listing looks incomplete)"
        return text
