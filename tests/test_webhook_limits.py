"""The receiver under pressure and at its edges: throttled warnings, unreadable bodies and
numbers too long to keep exact."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import pytest
from django.test import AsyncRequestFactory
from django.utils import timezone

from django_creatify import webhooks
from django_creatify.models import WebhookEvent

from .webhook_support import SECRET, Outcome, post, webhook_settings

pytestmark = pytest.mark.django_db


def warnings_with(caplog, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


def test_busy_answers_are_logged_for_the_first_and_every_hundredth_only(
    queued_tasks, monkeypatch, caplog
):
    monkeypatch.setattr(webhooks, "_busy_answers", webhooks._Unstored())
    with webhook_settings(WEBHOOK_MAX_PENDING=1), caplog.at_level(logging.WARNING):
        assert post(SECRET, {"id": str(uuid.uuid4())}).status_code == 200
        statuses = {post(SECRET, {"id": str(uuid.uuid4())}).status_code for _ in range(101)}
    assert statuses == {503}
    logged = warnings_with(caplog, "answered 503")
    assert len(logged) == 2
    assert "; 1 such answers" in logged[0] and "; 100 such answers" in logged[1]


def test_unstored_refusals_are_logged_for_the_first_and_every_hundredth_only(
    queued_tasks, monkeypatch, caplog
):
    monkeypatch.setattr(webhooks, "REJECTED_STORED_PER_HOUR", 1)
    monkeypatch.setattr(webhooks, "_unstored_rejections", webhooks._Unstored())
    with webhook_settings(), caplog.at_level(logging.WARNING):
        statuses = {post(SECRET, b"{not json").status_code for _ in range(102)}
    assert statuses == {400}
    assert WebhookEvent.objects.filter(outcome=Outcome.REJECTED).count() == 1
    logged = warnings_with(caplog, "not stored")
    assert len(logged) == 2
    assert "(1 refused" in logged[0] and "(100 refused" in logged[1]


def test_the_hourly_cap_counts_only_the_last_hours_refusals(queued_tasks, monkeypatch):
    monkeypatch.setattr(webhooks, "REJECTED_STORED_PER_HOUR", 2)
    with webhook_settings():
        for _ in range(2):
            post(SECRET, b"{not json")
        WebhookEvent.objects.update(received_at=timezone.now() - timedelta(minutes=61))
        for _ in range(3):
            post(SECRET, b"{not json")
    assert WebhookEvent.objects.filter(outcome=Outcome.REJECTED).count() == 4


class BrokenStream:
    """A request body whose connection drops while it is read."""

    def read(self, *args):
        raise OSError("connection reset by peer")

    readline = read

    def __len__(self) -> int:
        return 100


def test_a_body_that_cannot_be_read_is_a_400_stored_as_refused(queued_tasks):
    request = AsyncRequestFactory().request(
        method="POST",
        path=f"/creatify/webhook/{SECRET}/",
        headers=[(b"content-type", b"application/json")],
        _body_file=BrokenStream(),
    )
    with webhook_settings():
        response = webhooks.aurora_webhook(request, secret=SECRET)
    assert response.status_code == 400
    event = WebhookEvent.objects.get()
    assert event.outcome == Outcome.REJECTED and "could not be read" in event.error


@pytest.mark.parametrize(
    ("digits", "exact"),
    [("12345678901234567890", True), ("123456789012345678901", False)],
    ids=["20-digits-exact", "21-digits-float"],
)
def test_numbers_up_to_20_digits_are_kept_exact_and_longer_ones_as_floats(
    queued_tasks, digits, exact
):
    flow_id = str(uuid.uuid4())
    with webhook_settings():
        response = post(SECRET, f'{{"id": "{flow_id}", "status": {digits}}}')
    assert response.status_code == 200
    value = WebhookEvent.objects.get().payload["status"]
    # PostgreSQL's jsonb gives a float back as its shortest decimal, an int.
    assert (value == int(digits)) is exact
    assert float(value) == pytest.approx(float(digits), rel=1e-15)
