"""The last sync started from the admin, per family, kept in Django's cache for the
overview page.

Celery's scheduled syncs are not recorded here (they report through their task results);
the overview also shows ``Max(synced_at)``, the last time any path wrote a row.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..families import Family, get_family
from ..sync import SyncResult

logger = logging.getLogger(__name__)

CACHE_KEY = "django_creatify.admin.last_sync"
CACHE_TIMEOUT = 30 * 24 * 60 * 60


def cache_key(family: Family | str) -> str:
    return f"{CACHE_KEY}:{get_family(family).name}"


def record(
    family: Family | str, kind: str, result: SyncResult | None = None, error: str | None = None
) -> None:
    """Remember one admin-started sync: what ran, when, and its counts or its error."""
    entry: dict[str, Any] = {
        "kind": kind,
        "at": timezone.now().isoformat(),
        "ok": error is None,
        "summary": str(result) if result is not None else "",
        "requests": result.requests if result is not None else 0,
        "error": error or "",
    }
    try:
        cache.set(cache_key(family), entry, CACHE_TIMEOUT)
    except Exception:
        # A cache outage must not turn a finished sync into an error page.
        logger.warning("Could not record the last admin sync in the cache", exc_info=True)


def latest(family: Family | str) -> dict[str, Any] | None:
    try:
        entry = cache.get(cache_key(family))
    except Exception:
        logger.warning("Could not read the last admin sync from the cache", exc_info=True)
        return None
    if not isinstance(entry, dict):
        return None
    at = parse_datetime(entry.get("at") or "")
    return {**entry, "at": at}
