"""The webhook receiver: a hint from Creatify that a job changed, checked and queued.

Creatify does not sign webhooks, so the request proves nothing beyond knowing the secret
path: the job is re-read through the authenticated API (``tasks.request_refresh``) and
the database changes only from what the API says. A wrong secret is a plain 404.
"""

from __future__ import annotations

import hmac
import json
import logging
import uuid

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import tasks
from .conf import creatify_settings
from .exceptions import CreatifyError, excerpt
from .models import WebhookEvent
from .webhook_urls import configured_secrets

logger = logging.getLogger(__name__)

Outcome = WebhookEvent.Outcome


def secret_matches(candidate: str) -> bool:
    """Constant-time against every configured secret, so timing says nothing about any."""
    given = candidate.encode()
    matched = False
    for secret in configured_secrets():
        matched |= hmac.compare_digest(given, secret.encode())
    return matched


@csrf_exempt
@require_POST
def aurora_webhook(request: HttpRequest, secret: str) -> HttpResponse:
    if not secret_matches(secret):
        raise Http404
    remote_addr = request.META.get("REMOTE_ADDR") or None
    limit = creatify_settings.WEBHOOK_MAX_BODY_BYTES
    declared = _content_length(request)
    if declared is not None and declared > limit:
        return _reject(413, f"body of {declared} bytes is over the {limit}-byte limit", remote_addr)
    body = request.body
    if len(body) > limit:
        return _reject(
            413, f"body of {len(body)} bytes is over the {limit}-byte limit", remote_addr
        )
    if request.content_type != "application/json":
        return _reject(415, "content type must be application/json", remote_addr, body)
    try:
        payload = json.loads(body)
    except ValueError:
        return _reject(400, "body is not valid JSON", remote_addr, body)
    flow_id = _job_id(payload)
    if flow_id is None:
        return _reject(400, "body has no valid job id", remote_addr, body)

    event = WebhookEvent.objects.create(
        flow_id=flow_id, payload=payload, remote_addr=remote_addr, outcome=Outcome.RECEIVED
    )
    # After commit: the refresh, in a worker or inline, must see the event row.
    transaction.on_commit(lambda: process_event(event))
    return JsonResponse({"received": True, "id": str(flow_id)})


def process_event(event: WebhookEvent) -> WebhookEvent:
    """Queue (or, when Celery runs inline, run) the refresh this event asks for."""
    try:
        queued = tasks.request_refresh(str(event.flow_id))
    except CreatifyError as exc:
        event.outcome, event.error = Outcome.FAILED, str(exc)
    except Exception as exc:  # the broker being down must not lose the event
        logger.exception("Could not queue the refresh for webhook event %s", event.pk)
        event.outcome, event.error = Outcome.FAILED, f"{type(exc).__name__}: {excerpt(str(exc))}"
    else:
        if queued is None:
            event.outcome = Outcome.COALESCED
        elif tasks.ran_inline(queued):
            event.outcome = Outcome.REFRESHED
        else:
            event.outcome = Outcome.QUEUED
        event.error = ""
    event.processed_at = timezone.now()
    event.save(update_fields=["outcome", "error", "processed_at"])
    return event


def _job_id(payload: object) -> uuid.UUID | None:
    raw = payload.get("id") if isinstance(payload, dict) else None
    if not isinstance(raw, str):
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _content_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def _reject(status: int, reason: str, remote_addr: str | None, body: bytes = b"") -> JsonResponse:
    WebhookEvent.objects.create(
        remote_addr=remote_addr,
        body_excerpt=excerpt(body),
        outcome=Outcome.REJECTED,
        processed_at=timezone.now(),
        error=reason,
    )
    logger.warning("Rejected a Creatify webhook (HTTP %d): %s", status, reason)
    return JsonResponse({"detail": reason}, status=status)
