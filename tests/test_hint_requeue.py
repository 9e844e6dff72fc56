"""Draining and requeueing hints at their edges: the pending limit during a replay, a
webhook arriving while events are requeued or read, the very first event."""

import io
import uuid

import pytest
from django.core.management import call_command

from django_creatify import hints
from django_creatify.hint_store import record_hint
from django_creatify.models import WebhookEvent

from .webhook_support import Outcome, list_gets, outcomes, webhook_settings

pytestmark = pytest.mark.django_db


def failed_events(*flow_ids):
    WebhookEvent.objects.bulk_create(
        [
            WebhookEvent(flow_id=flow_id, outcome=Outcome.FAILED, error="HTTP 503")
            for flow_id in flow_ids
        ]
    )


def replay() -> list[str]:
    out = io.StringIO()
    call_command("creatify_webhooks", "--replay-failed", stdout=out)
    return out.getvalue().splitlines()


def test_a_replay_stops_at_the_pending_limit_and_says_how_many_jobs_it_left(creatify_sandbox):
    jobs = [job["id"] for job in creatify_sandbox.add_jobs(4, status="done")]
    failed_events(*jobs)
    assert record_hint(uuid.UUID(jobs[3]), {"id": jobs[3]}, None)  # waiting already

    with webhook_settings(WEBHOOK_MAX_PENDING=3):
        lines = replay()

    # Room for two more pending events: jobs 0 and 1 (or any two) and job 3, waiting.
    assert lines[0] == "requeued the failed events of 3 job(s), 1 left (too many pending)"
    assert outcomes() == {Outcome.REFRESHED: 3, Outcome.FAILED: 1, Outcome.COALESCED: 1}
    (left,) = WebhookEvent.objects.filter(outcome=Outcome.FAILED)
    assert str(left.flow_id) in jobs[:3] and left.error == "HTTP 503"


def test_a_webhook_arriving_while_events_are_requeued_keeps_its_own_pending_event(
    creatify_sandbox, monkeypatch
):
    jobs = [job["id"] for job in creatify_sandbox.add_jobs(3, status="done")]
    failed_events(*jobs)
    make_pending = hints._make_pending

    def webhook_first(pks):
        # Creatify's webhook for job 1 lands between the check and the update.
        assert record_hint(uuid.UUID(jobs[1]), {"id": jobs[1], "status": "done"}, None)
        return make_pending(pks)

    monkeypatch.setattr(hints, "_make_pending", webhook_first)
    requeued = hints.requeue(WebhookEvent.objects.filter(outcome=Outcome.FAILED))

    assert (requeued.jobs, requeued.left) == (3, 0)
    pending = WebhookEvent.objects.filter(outcome=Outcome.PENDING)
    assert sorted(str(flow_id) for flow_id in pending.values_list("flow_id", flat=True)) == sorted(
        jobs
    )
    # Job 1's failure is folded into the webhook's event, which carries the new payload.
    assert pending.get(flow_id=jobs[1]).payload == {"id": jobs[1], "status": "done"}
    assert outcomes() == {Outcome.PENDING: 3, Outcome.COALESCED: 1}


def test_a_hint_arriving_while_the_chunk_is_read_waits_for_the_next_drain(
    creatify_sandbox, monkeypatch
):
    first, second = [job["id"] for job in creatify_sandbox.add_jobs(2, status="done")]
    for flow_id in (first, second):
        assert record_hint(uuid.UUID(flow_id), {"id": flow_id}, None)
    read = hints.sync.sync_jobs

    def read_then_hear_again(family, **kwargs):
        result = read(family, **kwargs)
        record_hint(uuid.UUID(second), {"id": second}, None)
        return result

    monkeypatch.setattr(hints.sync, "sync_jobs", read_then_hear_again)
    creatify_sandbox.requests.clear()
    drained = hints.drain_pending()

    assert (drained.refreshed, drained.requests) == (1, 1)
    assert len(list_gets(creatify_sandbox)) == 1
    assert WebhookEvent.objects.get(outcome=Outcome.PENDING).hints == 2


def test_the_very_first_event_is_drained_too(creatify_sandbox):
    (job,) = creatify_sandbox.add_jobs(1, status="done")
    WebhookEvent.objects.create(pk=1, flow_id=job["id"], outcome=Outcome.PENDING)
    assert hints.drain_pending().refreshed == 1
    assert outcomes() == {Outcome.REFRESHED: 1}


def test_a_drain_with_nothing_pending_asks_nothing(creatify_sandbox):
    WebhookEvent.objects.create(flow_id=uuid.uuid4(), outcome=Outcome.REFRESHED)
    out = io.StringIO()
    call_command("creatify_webhooks", "--process-pending", stdout=out)
    assert out.getvalue().strip() == (
        "processed 0 pending event(s): refreshed 0, unknown 0, failed 0 (0 requests)"
    )
    assert creatify_sandbox.requests == []
