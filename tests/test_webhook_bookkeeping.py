"""What the webhook log records of each request: when it was processed, what went wrong
(and that a replay forgets it once it succeeds), where it came from, and the body limit
to the byte."""

from __future__ import annotations

import json
import uuid

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from django_creatify.models import AuroraFlow, WebhookEvent

SECRET = "bookkeeping-webhook-secret-0123456789abcdef"
LIMIT = 1024
Outcome = WebhookEvent.Outcome

pytestmark = pytest.mark.django_db


def webhook_settings(**extra):
    return override_settings(
        CREATIFY={
            **settings.CREATIFY,
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_MAX_BODY_BYTES": LIMIT,
            **extra,
        }
    )


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """POST raw bytes to the webhook and run what the view defers to after commit."""

    def deliver_(body: bytes, **meta):
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(
                f"/creatify/webhook/{SECRET}/", body, content_type="application/json", **meta
            )

    return deliver_


def hint(job_id: str) -> bytes:
    return json.dumps({"id": job_id, "status": "done", "failed_reason": ""}).encode()


def test_a_processed_event_records_when(creatify_sandbox, deliver, eager_celery):
    (job,) = creatify_sandbox.add_jobs(1, status="done")
    before = timezone.now()
    with webhook_settings():
        assert deliver(hint(job["id"])).status_code == 200
    event = WebhookEvent.objects.get()
    assert (str(event.flow_id), event.outcome, event.error) == (job["id"], Outcome.REFRESHED, "")
    assert before <= event.received_at <= event.processed_at <= timezone.now()
    assert AuroraFlow.objects.get().status == "done"


def test_a_replay_that_succeeds_clears_the_old_error(creatify_sandbox, deliver, eager_celery):
    (job,) = creatify_sandbox.add_jobs(1, status="done")
    with webhook_settings(API_KEY="not-the-key"):
        deliver(hint(job["id"]))
    failed = WebhookEvent.objects.get()
    assert failed.outcome == Outcome.FAILED
    assert failed.error != "" and failed.processed_at is not None

    with webhook_settings():
        call_command("creatify_webhooks", "--replay-failed")
    replayed = WebhookEvent.objects.get()
    assert (replayed.outcome, replayed.error) == (Outcome.REFRESHED, "")
    assert failed.processed_at <= replayed.processed_at <= timezone.now()
    assert AuroraFlow.objects.get().status == "done"


@pytest.mark.parametrize("address", ["203.0.113.9", "2001:db8::7"])
def test_the_sender_address_is_stored_for_accepted_and_refused_requests(
    deliver, queued_tasks, address
):
    with webhook_settings():
        assert deliver(hint(str(uuid.uuid4())), REMOTE_ADDR=address).status_code == 200
        assert deliver(b"{not json", REMOTE_ADDR=address).status_code == 400
    events = WebhookEvent.objects.order_by("pk")
    assert [(e.outcome, e.remote_addr) for e in events] == [
        (Outcome.PENDING, address),
        (Outcome.REJECTED, address),
    ]


def body_of(size: int, job_id: str) -> bytes:
    """A valid hint padded to exactly ``size`` bytes."""
    head, tail = f'{{"id": "{job_id}", "pad": "'.encode(), b'"}'
    body = head + b"x" * (size - len(head) - len(tail)) + tail
    assert len(body) == size
    return body


def test_a_body_at_the_limit_is_accepted_and_one_byte_over_is_refused(deliver, queued_tasks):
    accepted_id, refused_id = str(uuid.uuid4()), str(uuid.uuid4())
    before = timezone.now()
    with webhook_settings():
        at_limit = deliver(body_of(LIMIT, accepted_id))
        over = deliver(body_of(LIMIT + 1, refused_id))
    assert (at_limit.status_code, over.status_code) == (200, 413)
    assert over.json() == {"detail": f"body of {LIMIT + 1} bytes is over the {LIMIT}-byte limit"}
    accepted, refused = WebhookEvent.objects.order_by("pk")
    assert (str(accepted.flow_id), accepted.outcome) == (accepted_id, Outcome.PENDING)
    assert (refused.flow_id, refused.outcome) == (None, Outcome.REJECTED)
    # A refusal is final: processed as it is received.
    assert before <= refused.processed_at <= timezone.now()
    # One drain queued for the accepted hint; none for the refused one.
    assert [name for name, _args, _kwargs in queued_tasks] == [
        "django_creatify.tasks.process_webhook_hints"
    ]
