"""Creating a job at Creatify, then mirroring Creatify's answer through the sync."""

from __future__ import annotations

import uuid
from typing import Any

from .client import CreatifyClient
from .exceptions import PayloadError
from .models import AuroraFlow
from .payloads import create_body
from .sync import apply_aurora_payloads
from .webhook_urls import default_webhook_url


def create_aurora_flow(*, created_by=None, client: CreatifyClient | None = None, **fields: Any):
    """Create a job at Creatify from the create fields and mirror Creatify's answer.

    Without an explicit ``webhook_url``, a job gets this site's webhook endpoint when
    ``WEBHOOK_BASE_URL`` and a secret are configured.
    """
    body = create_body(**fields)
    if "webhook_url" not in body and (own_webhook := default_webhook_url()):
        body["webhook_url"] = own_webhook
    owns_client = client is None
    client = client or CreatifyClient()
    try:
        created = client.create_aurora(**body)
    finally:
        if owns_client:
            client.close()
    return record_created_flow(created, created_by=created_by)


def record_created_flow(payload: dict[str, Any], *, created_by=None) -> AuroraFlow:
    """Mirror the job Creatify just created (its 201 body) and note who asked for it."""
    result = apply_aurora_payloads([payload])
    if result.skipped:
        raise PayloadError(
            f"Creatify's answer to a create is unreadable: {result.skipped_items[0]}"
        )
    flow_id = uuid.UUID(str(payload["id"]))
    if created_by is not None:
        # A separate write: created_by is the site's own fact, never part of a sync's fields.
        AuroraFlow.objects.filter(pk=flow_id, created_by__isnull=True).update(created_by=created_by)
    return AuroraFlow.objects.get(pk=flow_id)
