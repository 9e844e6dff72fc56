"""Which mirrored jobs a complete listing says are gone, and when not to believe it.

Rows are never deleted: a job Creatify no longer lists gets ``missing_since``. A listing
that would mark most of the mirror missing (an empty one, a vendor glitch) marks none.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from ..client import chunked
from ..conf import creatify_settings
from .result import SyncResult

if TYPE_CHECKING:
    from ..models import CreatifyJob

logger = logging.getLogger("django_creatify.sync")


def unwritten_since(started: datetime) -> Q:
    return Q(synced_at__isnull=True) | Q(synced_at__lt=started)


def mark_missing(
    model: type[CreatifyJob],
    result: SyncResult,
    candidates: list[Any],
    present: int,
    started: datetime,
) -> None:
    """Mark ``candidates`` (of ``present`` rows not yet missing) missing, unless that many
    look like a glitch of the listing rather than jobs Creatify deleted."""
    gone = unwritten(model, candidates, started)
    if not gone:
        return
    share = float(creatify_settings.SYNC_MISSING_MAX_SHARE)
    if len(gone) == present or len(gone) > share * present:
        result.missing_withheld = len(gone)
        logger.error(
            "Creatify's complete %s listing lacks %d of %d mirrored job(s), more than "
            "SYNC_MISSING_MAX_SHARE (%g): taken for a glitch, none marked missing",
            model.family().label,
            len(gone),
            present,
            share,
        )
        return
    result.missing = mark_missing_rows(model, gone, started)


def unwritten(model: type[CreatifyJob], candidates: list[Any], started: datetime) -> list[Any]:
    """The candidates nothing has written since the sync started (read before the listing
    was fetched): a job created meanwhile through the API, a webhook's refresh or another
    sync is absent from the listing because it is new, not because it is gone."""
    rows = model._default_manager.filter(unwritten_since(started), missing_since__isnull=True)
    return [
        pk
        for chunk in chunked(candidates, creatify_settings.SYNC_BATCH_SIZE)
        for pk in rows.filter(pk__in=chunk).values_list("pk", flat=True)
    ]


def mark_missing_rows(model: type[CreatifyJob], candidates: list[Any], started: datetime) -> int:
    # The same condition again: a row written between the read above and this update is
    # left alone.
    marked = 0
    for chunk in chunked(candidates, creatify_settings.SYNC_BATCH_SIZE):
        marked += model._default_manager.filter(
            unwritten_since(started), pk__in=chunk, missing_since__isnull=True
        ).update(missing_since=started)
    if marked:
        logger.info(
            "Creatify no longer lists %d mirrored %s job(s); marked missing",
            marked,
            model.family().label,
        )
    return marked
