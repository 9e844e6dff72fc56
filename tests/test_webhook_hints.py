"""Pending hints drained in batches of ids: outcomes, failures, requeues, admin and command."""

import io
import uuid
from datetime import timedelta

import pytest
from celery import signals
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_creatify import hints, tasks
from django_creatify.hint_store import record_hint
from django_creatify.models import AuroraFlow, Lease, WebhookEvent
from django_creatify.retention import purge_webhook_events
from django_creatify.sandbox import Fault

from .conftest import celery_eagerness
from .webhook_support import SECRET, Outcome, list_gets, outcomes, webhook_settings

pytestmark = pytest.mark.django_db

DRAIN = "django_creatify.tasks.process_webhook_hints"


def hint(*flow_ids):
    for flow_id in flow_ids:
        assert record_hint(uuid.UUID(str(flow_id)), {"id": str(flow_id)}, None)


@pytest.fixture
def worker_like():
    """``task.apply()`` as on a worker: retries go through Celery (run inline, recorded)."""
    with celery_eagerness(False) as conf:
        conf.task_eager_propagates = False
        yield conf


@pytest.fixture
def retried():
    """What each retry of a task saw: the events' outcomes when it was asked for."""
    seen: list[dict] = []

    def record(**kwargs):
        seen.append(outcomes())

    signals.task_retry.connect(record, weak=False)
    yield seen
    signals.task_retry.disconnect(record)


def test_a_drain_reads_every_hinted_job_100_ids_a_request_and_marks_each_event(
    creatify_sandbox, worker_like
):
    jobs = [job["id"] for job in creatify_sandbox.add_jobs(130, status="done")]
    strangers = [str(uuid.uuid4()) for _ in range(120)]
    hint(*jobs[:60], *strangers, *jobs[60:])
    WebhookEvent.objects.filter(flow_id=jobs[0]).update(error="an earlier failure")
    creatify_sandbox.requests.clear()

    result = tasks.process_webhook_hints.apply().get()

    # Not mirrored yet: asked of Aurora first, then what it lacks of each other family.
    assert result == {"refreshed": 130, "unknown": 120, "failed": 0, "requests": 9, "error": None}
    gets = list_gets(creatify_sandbox)
    assert [len(get.query["ids"].split(",")) for get in gets] == [100, 100, 50]
    for path in ("/api/lipsyncs/", "/api/lipsyncs_v2/", "/api/ai_shorts/"):
        asked = [r for r in creatify_sandbox.requests if r.path == path]
        assert [len(get.query["ids"].split(",")) for get in asked] == [100, 20]
    assert outcomes() == {Outcome.REFRESHED: 130, Outcome.UNKNOWN: 120}
    assert set(map(str, AuroraFlow.objects.values_list("pk", flat=True))) == set(jobs)
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()
    assert not WebhookEvent.objects.exclude(error="").exists()
    unknown = WebhookEvent.objects.filter(outcome=Outcome.UNKNOWN)
    assert set(map(str, unknown.values_list("flow_id", flat=True))) == set(strangers)


def test_inline_hints_within_the_interval_wait_for_the_next_drain(
    creatify_sandbox, deliver, eager_celery, lease_clock
):
    first, *others = [job["id"] for job in creatify_sandbox.add_jobs(3, status="done")]
    with webhook_settings():
        deliver(SECRET, {"id": first})  # drains at once, and holds the lease for 5 s
        for flow_id in others:
            deliver(SECRET, {"id": flow_id})
        assert len(list_gets(creatify_sandbox)) == 1
        assert outcomes() == {Outcome.REFRESHED: 1, Outcome.PENDING: 2}

        lease_clock.advance(5)
        deliver(SECRET, {"id": first})  # the next drain takes every waiting hint

    gets = list_gets(creatify_sandbox)
    assert len(gets) == 2 and sorted(gets[1].query["ids"].split(",")) == sorted([first, *others])
    assert outcomes() == {Outcome.REFRESHED: 4}
    assert AuroraFlow.objects.filter(status="done").count() == 3


def test_a_hint_arriving_while_its_job_is_read_keeps_the_event_pending(
    creatify_sandbox, worker_like, monkeypatch
):
    (job,) = creatify_sandbox.add_jobs(1, status="running", progress=0.5)
    hint(job["id"])
    read = hints.sync.sync_jobs

    def read_then_hear_again(family, **kwargs):
        result = read(family, **kwargs)
        creatify_sandbox.update_job(job["id"], status="done", progress=1.0)
        hint(job["id"])  # Creatify's webhook for the change, while the drain is running
        return result

    monkeypatch.setattr(hints.sync, "sync_jobs", read_then_hear_again)
    assert tasks.process_webhook_hints.apply().get()["refreshed"] == 0
    event = WebhookEvent.objects.get()
    assert (event.outcome, event.hints, event.claim) == (Outcome.PENDING, 2, "")

    monkeypatch.undo()
    assert tasks.process_webhook_hints.apply().get()["refreshed"] == 1
    assert AuroraFlow.objects.get().status == "done"
    assert WebhookEvent.objects.get().outcome == Outcome.REFRESHED


def test_a_transient_failure_on_a_worker_keeps_events_pending_and_retries(
    creatify_sandbox, worker_like, retried
):
    jobs = [job["id"] for job in creatify_sandbox.add_jobs(2, status="done")]
    hint(*jobs)
    creatify_sandbox.inject(Fault.status(503))

    result = tasks.process_webhook_hints.apply().get()

    assert retried == [{Outcome.PENDING: 2}]  # nothing lost while the broker waits
    assert result["refreshed"] == 2 and outcomes() == {Outcome.REFRESHED: 2}
    assert not WebhookEvent.objects.exclude(error="").exists()


def test_a_failure_after_the_last_retry_or_a_refusal_marks_the_events_failed(
    creatify_sandbox, worker_like, retried, settings
):
    (job,) = creatify_sandbox.add_jobs(1, status="done")
    settings.CREATIFY = {**settings.CREATIFY, "TASK_MAX_RETRIES": 1}
    hint(job["id"])
    creatify_sandbox.inject(Fault.status(503), Fault.status(503))
    assert tasks.process_webhook_hints.apply().get()["failed"] == 1
    event = WebhookEvent.objects.get()
    assert len(retried) == 1 and event.outcome == Outcome.FAILED and "HTTP 503" in event.error

    hint(job["id"])
    creatify_sandbox.inject(Fault.status(401))
    assert tasks.process_webhook_hints.apply().get()["failed"] == 1 and len(retried) == 1
    assert outcomes() == {Outcome.FAILED: 2}


def test_the_active_refresh_asks_for_a_drain_while_hints_wait(queued_tasks, lease_clock):
    tasks.refresh_active_aurora_flows.apply()
    assert queued_tasks == []  # nothing pending, nothing to drain
    hint(uuid.uuid4())
    tasks.refresh_active_aurora_flows.apply()
    tasks.refresh_active_aurora_flows.apply()  # within the interval: the same drain
    assert [name for name, _, _ in queued_tasks] == [DRAIN]
    lease_clock.advance(5)
    tasks.refresh_active_aurora_flows.apply()
    assert [name for name, _, _ in queued_tasks] == [DRAIN, DRAIN]


def test_the_command_processes_pending_hints_without_celery(creatify_sandbox, queued_tasks):
    jobs = [job["id"] for job in creatify_sandbox.add_jobs(3, status="done")]
    hint(*jobs, uuid.uuid4())
    out = io.StringIO()
    call_command("creatify_webhooks", "--process-pending", stdout=out)
    assert out.getvalue().strip() == (
        "processed 4 pending event(s): refreshed 3, unknown 1, failed 0 (4 requests)"
    )
    # The unknown id is asked of every family: a GET each.
    assert queued_tasks == [] and len(list_gets(creatify_sandbox)) == 1
    assert len([r for r in creatify_sandbox.requests if r.method == "GET"]) == 4

    hint(jobs[0])
    creatify_sandbox.inject(Fault.status(401))
    with pytest.raises(CommandError, match="credentials"):
        call_command("creatify_webhooks", "--process-pending", stdout=io.StringIO())
    assert WebhookEvent.objects.filter(outcome=Outcome.FAILED).count() == 1


def test_failed_events_are_replayed_in_one_batch_one_pending_event_per_job(
    creatify_sandbox, deliver, eager_celery, lease_clock
):
    a, b, c = [job["id"] for job in creatify_sandbox.add_jobs(3, status="done")]
    with webhook_settings(API_KEY="wrong-key"):
        deliver(SECRET, {"id": a})  # drained at once: fails
        for flow_id in (b, c):
            lease_clock.advance(5)
            deliver(SECRET, {"id": flow_id})
        lease_clock.advance(5)
        deliver(SECRET, {"id": a})  # a's second failure
    assert outcomes() == {Outcome.FAILED: 4}
    assert "credentials" in WebhookEvent.objects.first().error
    assert "wrong-key" not in str(list(WebhookEvent.objects.values_list("error", flat=True)))
    hint(c)  # c is waiting again already
    creatify_sandbox.requests.clear()

    out = io.StringIO()
    call_command("creatify_webhooks", "--replay-failed", stdout=out)

    assert out.getvalue().splitlines() == [
        "requeued the failed events of 3 job(s)",
        "processed 3 pending event(s): refreshed 3, unknown 0, failed 0 (1 request)",
    ]
    assert len(list_gets(creatify_sandbox)) == 1
    # a's older failure and c's failure are folded into the events that were re-read.
    assert outcomes() == {Outcome.REFRESHED: 3, Outcome.COALESCED: 2}
    assert AuroraFlow.objects.filter(status="done").count() == 3


def test_admin_lists_events_read_only_and_reprocesses_them_in_one_batch(
    admin_client, creatify_sandbox, deliver, eager_celery, lease_clock
):
    jobs = [job["id"] for job in creatify_sandbox.add_jobs(3, status="done")]
    with webhook_settings(API_KEY="wrong-key"):
        deliver(SECRET, {"id": jobs[0], "status": "<script>alert(1)</script>"})
        for flow_id in jobs[1:]:
            lease_clock.advance(5)
            deliver(SECRET, {"id": flow_id})
    assert outcomes() == {Outcome.FAILED: 3}
    event = WebhookEvent.objects.get(flow_id=jobs[0])
    changelist = admin_client.get("/admin/django_creatify/webhookevent/")
    page = changelist.content.decode()
    assert changelist.status_code == 200 and jobs[0] in page and "column-hints" in page
    detail = admin_client.get(f"/admin/django_creatify/webhookevent/{event.pk}/change/")
    assert "&lt;script&gt;" in detail.content.decode()
    assert "<script>alert(1)" not in detail.content.decode()
    assert admin_client.get("/admin/django_creatify/webhookevent/add/").status_code == 403
    creatify_sandbox.requests.clear()

    response = admin_client.post(
        "/admin/django_creatify/webhookevent/",
        {
            "action": "reprocess",
            "_selected_action": [event.pk for event in WebhookEvent.objects.all()],
        },
        follow=True,
    )

    assert (
        "3 jobs will be re-read from Creatify. Done: 3 refreshed, 0 unknown, 0 failed."
        in response.content.decode()
    )
    assert len(list_gets(creatify_sandbox)) == 1
    assert outcomes() == {Outcome.REFRESHED: 3}

    # A job that is waiting already is re-read at once too, still in one request.
    hint(jobs[0])
    waiting = WebhookEvent.objects.get(outcome=Outcome.PENDING)
    response = admin_client.post(
        "/admin/django_creatify/webhookevent/",
        {"action": "reprocess", "_selected_action": [waiting.pk]},
        follow=True,
    )
    assert "1 job will be re-read from Creatify. Done: 1 refreshed" in response.content.decode()
    assert len(list_gets(creatify_sandbox)) == 2


def test_the_admin_changelist_costs_the_same_queries_for_any_number_of_events(admin_client):
    def queries_for(url):
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(f"/admin/django_creatify/webhookevent/{url}").status_code == 200
        return len(queries)

    insert_events(3)
    few = [queries_for(url) for url in PAGES]
    insert_events(100_000)
    assert [queries_for(url) for url in PAGES] == few
    newest = WebhookEvent.objects.order_by("-pk").first()
    assert queries_for(f"{newest.pk}/change/") <= few[0]


PAGES = ("", "?outcome__exact=unknown", f"?q={uuid.uuid4()}", "?p=2")


def insert_events(count: int) -> None:
    """``count`` processed events in one statement (a bulk_create would dominate the test)."""
    table = connection.ops.quote_name(WebhookEvent._meta.db_table)
    if connection.vendor == "postgresql":
        flow_id, numbers = "md5(random()::text)::uuid", f"generate_series(1, {count}) AS n(i)"
    else:
        flow_id = "lower(hex(randomblob(16)))"
        numbers = (
            "(WITH RECURSIVE n(i) AS "
            f"(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) SELECT i FROM n)"
        )
    now = WebhookEvent._meta.get_field("received_at").get_db_prep_value(timezone.now(), connection)
    columns = (
        "received_at, flow_id, family, body_excerpt, outcome, hints, claim, error, processed_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "
            f"SELECT %s, {flow_id}, '', '', 'unknown', 1, '', '', %s FROM {numbers}",
            [now, now],
        )


def test_old_events_are_purged_in_batches():
    old = timezone.now() - timedelta(days=31)
    WebhookEvent.objects.bulk_create(
        [WebhookEvent(received_at=old) for _ in range(25)] + [WebhookEvent() for _ in range(3)]
    )
    assert purge_webhook_events(batch=10) == 25
    assert WebhookEvent.objects.count() == 3
    WebhookEvent.objects.bulk_create([WebhookEvent(received_at=old)])
    assert tasks.purge_webhook_events.delay().get() == {"deleted": 1}
    assert Lease.objects.count() == 0


def test_the_admin_log_links_each_event_to_its_jobs_page_by_family(admin_client):
    known, unknown = uuid.uuid4(), uuid.uuid4()
    WebhookEvent.objects.create(flow_id=known, family="lipsyncs", outcome=Outcome.REFRESHED)
    WebhookEvent.objects.create(flow_id=unknown, family="", outcome=Outcome.PENDING)
    page = admin_client.get("/admin/django_creatify/webhookevent/").content.decode()
    assert f'href="/admin/django_creatify/lipsync/{known}/change/"' in page
    assert '<td class="field-family_label">Lipsync</td>' in page
    # An event whose family is not known yet names its job without a link.
    assert str(unknown) in page and f"/{unknown}/change/" not in page
