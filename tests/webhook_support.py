"""Shared by the webhook tests: the secret, posting, the lease clock and request counts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from django_creatify.models import Lease, WebhookEvent

SECRET = "s3cret-webhook-path-segment-0123456789"
OLD_SECRET = "previous-webhook-secret-9876543210"
URL = f"/creatify/webhook/{SECRET}/"
Outcome = WebhookEvent.Outcome


def webhook_settings(**extra):
    return override_settings(CREATIFY={**settings.CREATIFY, "WEBHOOK_SECRET": SECRET, **extra})


def post(secret, body, *, content_type="application/json", client=None, **extra):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return (client or Client()).post(
        f"/creatify/webhook/{secret}/", data, content_type=content_type, **extra
    )


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """POST a webhook and run what the view defers to after commit (the drain request)."""

    def deliver_(secret, body, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(secret, body, **kwargs)

    return deliver_


class LeaseClock:
    """The leases' clock, frozen until moved: a batching interval passes without waiting."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def lease_clock(monkeypatch):
    clock = LeaseClock()
    monkeypatch.setattr("django_creatify.locks.now", clock)
    return clock


def list_gets(sandbox) -> list:
    """The list requests (``GET /api/aurora/``) the sandbox answered, in order."""
    return [r for r in sandbox.requests if r.method == "GET" and r.path == "/api/aurora/"]


def outcomes() -> dict[str, int]:
    counts = dict.fromkeys(Outcome.values, 0)
    for outcome in WebhookEvent.objects.values_list("outcome", flat=True):
        counts[outcome] += 1
    return {outcome: count for outcome, count in counts.items() if count}


def lease_rows() -> int:
    return Lease.objects.count()
