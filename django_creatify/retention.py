"""Keeping the webhook log bounded: delete old events in small batches."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from .conf import creatify_settings
from .models import WebhookEvent

PURGE_BATCH = 1000


def purge_webhook_events(days: int | None = None, *, batch: int = PURGE_BATCH) -> int:
    """Delete events older than ``days`` (default WEBHOOK_RETENTION_DAYS); returns how many.

    Batches keep each DELETE short, so a large backlog never locks the table for long.
    """
    days = creatify_settings.WEBHOOK_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    while True:
        pks = list(
            WebhookEvent.objects.filter(received_at__lt=cutoff).values_list("pk", flat=True)[:batch]
        )
        if not pks:
            return deleted
        deleted += WebhookEvent.objects.filter(pk__in=pks).delete()[0]
