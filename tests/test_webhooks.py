"""The webhook receiver: a hint, checked, recorded and turned into an authenticated re-read."""

import io
import logging
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import AsyncRequestFactory, Client
from django.test.client import FakePayload
from kombu.exceptions import OperationalError
from rest_framework.test import APIClient

from django_creatify import tasks, webhooks
from django_creatify.models import AuroraFlow, Lease, WebhookEvent
from django_creatify.signals import aurora_status_changed
from django_creatify.sync import sync_aurora_flows
from django_creatify.webhook_urls import default_webhook_url

from .helpers import snapshot
from .webhook_support import (
    OLD_SECRET,
    SECRET,
    Outcome,
    list_gets,
    post,
    webhook_settings,
)

LIMIT = 64 * 1024

# -- end to end ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_job_created_through_the_api_finishes_through_its_webhook(
    live_server, creatify_sandbox, eager_celery
):
    heard = []

    def listen(sender, flow, previous_status, status, **kwargs):
        heard.append((str(flow.pk), previous_status, status))

    aurora_status_changed.connect(listen)
    staff = APIClient()
    staff.force_authenticate(get_user_model().objects.create_user("staff", is_staff=True))
    try:
        with webhook_settings(WEBHOOK_BASE_URL=live_server.url):
            created = staff.post(
                "/creatify/api/aurora/",
                {"audio": "https://cdn.example/v.mp3", "image": "https://cdn.example/f.png"},
                format="json",
            )
            assert created.status_code == 201, created.content
            job_id = created.json()["id"]
            expected_hook = f"{live_server.url}/creatify/webhook/{SECRET}/"
            assert creatify_sandbox.job(job_id)["webhook_url"] == expected_hook

            creatify_sandbox.advance(600)  # the job finishes; the sandbox POSTs its webhook

        (delivery,) = creatify_sandbox.webhooks
        assert (delivery.url, delivery.status) == (expected_hook, 200)
        assert set(delivery.payload) == {"id", "status", "failed_reason", "video_output"}
        flow = AuroraFlow.objects.get(pk=job_id)
        assert flow.status == "done"
        assert flow.video_output == creatify_sandbox.job(job_id)["video_output"]
        assert flow.video_output.startswith("http")
        assert heard == [(job_id, None, "pending"), (job_id, "pending", "done")]
        (event,) = WebhookEvent.objects.all()
        assert (str(event.flow_id), event.outcome, event.hints) == (job_id, Outcome.REFRESHED, 1)
        assert event.remote_addr == "127.0.0.1" and event.processed_at is not None
        assert event.payload == delivery.payload
    finally:
        aurora_status_changed.disconnect(listen)


# -- the body is never trusted -------------------------------------------------------------


@pytest.mark.django_db
def test_a_webhook_claiming_done_cannot_finish_a_running_job(
    creatify_sandbox, deliver, eager_celery
):
    (job,) = creatify_sandbox.add_jobs(1, status="running", progress=0.4)
    sync_aurora_flows()
    lie = {"id": job["id"], "status": "done", "video_output": "https://evil.example/x.mp4"}
    with webhook_settings():
        assert deliver(SECRET, lie).status_code == 200
    flow = AuroraFlow.objects.get(pk=job["id"])
    assert (flow.status, flow.video_output) == ("running", None)
    assert list_gets(creatify_sandbox)[-1].query["ids"] == job["id"]  # it asked Creatify


@pytest.mark.django_db
def test_an_unknown_job_is_fetched_and_created(creatify_sandbox, deliver, eager_celery):
    (job,) = creatify_sandbox.add_jobs(1, status="done")
    with webhook_settings():
        deliver(SECRET, {"id": job["id"], "status": "done", "failed_reason": "", "output": "x"})
    assert AuroraFlow.objects.get(pk=job["id"]).status == "done"


@pytest.mark.django_db
def test_only_the_documented_keys_are_stored_bounded_and_storable(queued_tasks):
    flow_id = str(uuid.uuid4())
    lone_surrogate, clipped = "\\ud83d", "r" * 5000
    body = (
        f'{{"id": "{flow_id}", "status": "do\\u0000ne", "output": NaN, '
        f'"failed_reason": "{lone_surrogate}{clipped}", "video_output": [[[["deep"]]]], '
        '"progress": 1e999, "extra": {"x": "\\ud800"}}'
    )
    with webhook_settings():
        assert post(SECRET, body).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.payload == {
        "id": flow_id,
        "status": "done",
        "failed_reason": "\ufffd" * 3 + "r" * 2047,  # one per byte of the surrogate
        "output": None,
        "video_output": "(a JSON array)",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("remote_addr", "stored"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8::1", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("unix:/run/gunicorn.sock", None),
        ("", None),
    ],
)
def test_the_sender_address_is_stored_when_it_is_one(queued_tasks, remote_addr, stored):
    with webhook_settings():
        response = post(SECRET, {"id": str(uuid.uuid4())}, REMOTE_ADDR=remote_addr)
        post(SECRET, b"{}", REMOTE_ADDR=remote_addr)
    assert response.status_code == 200
    assert list(WebhookEvent.objects.values_list("remote_addr", flat=True)) == [stored, stored]


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("secret", ["wrong", SECRET[:-1], SECRET + "x", "", "%00"])
def test_a_wrong_secret_is_a_plain_404_with_nothing_done(creatify_sandbox, queued_tasks, secret):
    with webhook_settings():
        response = post(secret or "-", {"id": str(uuid.uuid4()), "status": "done"})
        missing = Client().post("/creatify/no-such-page/", b"{}", content_type="application/json")
    assert response.status_code == 404
    assert response.content == missing.content and SECRET not in response.content.decode()
    assert WebhookEvent.objects.count() == 0 and Lease.objects.count() == 0
    assert queued_tasks == [] and creatify_sandbox.requests == []


@pytest.mark.django_db
def test_without_a_configured_secret_every_webhook_is_refused(queued_tasks):
    assert post("anything", {"id": str(uuid.uuid4())}).status_code == 404
    assert WebhookEvent.objects.count() == 0 and queued_tasks == []


@pytest.mark.django_db
def test_only_post_is_accepted():
    with webhook_settings():
        assert Client().get(f"/creatify/webhook/{SECRET}/").status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type", "extra", "status", "reason"),
    [
        (b"{not json", "application/json", {}, 400, "body is not valid JSON"),
        (b'{"status": "done"}', "application/json", {}, 400, "body has no valid job id"),
        (b'{"id": "not-a-uuid"}', "application/json", {}, 400, "body has no valid job id"),
        (b'{"id": 12345}', "application/json", {}, 400, "body has no valid job id"),
        (b'["a list"]', "application/json", {}, 400, "body has no valid job id"),
        (b'"\xff\xfe"', "application/json", {}, 400, "not UTF-8"),
        (b"[" * 20000 + b"]" * 20000, "application/json", {}, 400, "nested too deeply"),
        (b"{}", "application/json", {"CONTENT_LENGTH": "2x"}, 400, "Content-Length is not"),
        (b"{}", "application/json", {"CONTENT_LENGTH": "-1"}, 400, "Content-Length is not"),
        (b"id=x", "application/x-www-form-urlencoded", {}, 415, "content type must be"),
        (b'{"id": "' + b"x" * 70000 + b'"}', "application/json", {}, 413, "over the 65536-byte"),
        (b"{}", "application/json", {"CONTENT_LENGTH": "9" * 40}, 413, "over the 65536-byte"),
        (b"{}", "application/json", {"CONTENT_LENGTH": "9" * 5000}, 413, "over 10000000"),
    ],
    ids=[
        "malformed",
        "no-id",
        "bad-id",
        "numeric-id",
        "not-object",
        "not-utf8",
        "deep",
        "length-garbage",
        "length-negative",
        "form",
        "oversized",
        "length-huge",
        "length-5000-digits",
    ],
)
def test_bad_requests_are_refused_logged_and_change_nothing(
    creatify_sandbox, queued_tasks, body, content_type, extra, status, reason
):
    creatify_sandbox.add_jobs(3)
    sync_aurora_flows()
    before = snapshot()
    creatify_sandbox.requests.clear()
    with webhook_settings():
        response = post(SECRET, body, content_type=content_type, **extra)
    assert response.status_code == status
    assert reason in response.json()["detail"]
    (event,) = WebhookEvent.objects.all()
    assert event.outcome == Outcome.REJECTED and reason in event.error
    assert len(event.body_excerpt) <= 300 and "\x00" not in event.body_excerpt
    assert snapshot() == before and queued_tasks == [] and creatify_sandbox.requests == []


def padded(size: int) -> bytes:
    """A valid hint of exactly ``size`` bytes."""
    head = b'{"id": "%s", "failed_reason": "' % str(uuid.uuid4()).encode()
    return head + b"r" * (size - len(head) - 2) + b'"}'


@pytest.mark.django_db
def test_a_body_at_the_limit_is_accepted_and_one_byte_more_is_413(queued_tasks):
    with webhook_settings():
        assert post(SECRET, padded(LIMIT)).status_code == 200
        assert post(SECRET, padded(LIMIT + 1)).status_code == 413
    assert [event.outcome for event in WebhookEvent.objects.order_by("pk")] == [
        Outcome.PENDING,
        Outcome.REJECTED,
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("size", "status"), [(LIMIT, 200), (LIMIT + 1, 413), (10 * LIMIT, 413)])
def test_without_content_length_the_body_is_read_only_up_to_the_limit(queued_tasks, size, status):
    # An ASGI server passes a chunked body on with no Content-Length; WSGI servers do not.
    data = padded(size)
    stream = FakePayload(data)
    request = AsyncRequestFactory().request(
        method="POST",
        path=f"/creatify/webhook/{SECRET}/",
        headers=[(b"content-type", b"application/json")],
        _body_file=stream,
    )
    assert "content-length" not in request.headers
    with webhook_settings():
        response = webhooks.aurora_webhook(request, secret=SECRET)
    assert response.status_code == status
    assert stream.read_started and len(data) - len(stream.read()) <= LIMIT + 1


@pytest.mark.django_db
def test_rotated_secrets_both_work(creatify_sandbox, deliver, eager_celery, lease_clock):
    jobs = creatify_sandbox.add_jobs(2, status="done")
    secrets = {"WEBHOOK_SECRET": [SECRET, OLD_SECRET]}
    with webhook_settings(**secrets):
        assert deliver(SECRET, {"id": jobs[0]["id"]}).status_code == 200
        assert deliver(OLD_SECRET, {"id": jobs[1]["id"]}).status_code == 200
        assert post("neither", {"id": jobs[1]["id"]}).status_code == 404
        # New jobs are told the first (current) secret.
        with webhook_settings(**secrets, WEBHOOK_BASE_URL="https://site.example"):
            assert default_webhook_url() == f"https://site.example/creatify/webhook/{SECRET}/"
    call_command("creatify_webhooks", "--process-pending", stdout=io.StringIO())
    assert AuroraFlow.objects.filter(status="done").count() == 2


# -- recording: one pending event per job, one drain message --------------------------------


@pytest.mark.django_db
def test_repeated_hints_raise_a_count_instead_of_adding_rows(deliver, queued_tasks, lease_clock):
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    with webhook_settings():
        for flow_id in [first] * 5 + [second] * 3:
            assert deliver(SECRET, {"id": flow_id, "status": "running"}).status_code == 200
        deliver(SECRET, {"id": first, "status": "done"})
    rows = {
        str(flow_id): hints
        for flow_id, hints in WebhookEvent.objects.values_list("flow_id", "hints")
    }
    assert rows == {first: 6, second: 3}
    assert WebhookEvent.objects.get(flow_id=first).payload == {"id": first, "status": "done"}
    assert [name for name, _, _ in queued_tasks] == ["django_creatify.tasks.process_webhook_hints"]
    assert Lease.objects.count() == 1


@pytest.mark.django_db
def test_a_broker_that_is_down_loses_no_hint(
    creatify_sandbox, deliver, queued_to_broker, monkeypatch, caplog, lease_clock
):
    (job,) = creatify_sandbox.add_jobs(1, status="done")

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.process_webhook_hints, "apply_async", broker_down)
    with webhook_settings(), caplog.at_level(logging.ERROR):
        assert deliver(SECRET, {"id": job["id"]}).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.outcome == Outcome.PENDING and Lease.objects.count() == 0
    assert "Could not queue the drain" in caplog.text and "OperationalError" in caplog.text

    monkeypatch.undo()  # the broker is back: the next drain takes the event
    tasks.process_webhook_hints.apply(throw=True)
    event.refresh_from_db()
    assert event.outcome == Outcome.REFRESHED and AuroraFlow.objects.get().status == "done"


@pytest.mark.django_db
def test_past_the_pending_limit_new_jobs_get_503_and_nothing_is_stored(
    deliver, queued_tasks, lease_clock
):
    waiting = [str(uuid.uuid4()) for _ in range(5)]
    with webhook_settings(WEBHOOK_MAX_PENDING=5):
        assert {deliver(SECRET, {"id": flow_id}).status_code for flow_id in waiting} == {200}
        refused = deliver(SECRET, {"id": str(uuid.uuid4())})
        # A job already waiting costs no row: its hint is still taken.
        assert deliver(SECRET, {"id": waiting[0]}).status_code == 200
    assert refused.status_code == 503 and refused["Retry-After"] == "5"
    assert WebhookEvent.objects.count() == 5
    assert WebhookEvent.objects.get(flow_id=waiting[0]).hints == 2
    assert len(queued_tasks) == 1


@pytest.mark.django_db
def test_the_pending_limit_counts_pending_events_not_rows(deliver, queued_tasks, lease_clock):
    first = str(uuid.uuid4())
    with webhook_settings(WEBHOOK_MAX_PENDING=5):
        deliver(SECRET, {"id": first})
        # Many events since then, none pending: the pks span more than the limit.
        WebhookEvent.objects.bulk_create(
            [WebhookEvent(flow_id=uuid.uuid4(), outcome=Outcome.UNKNOWN) for _ in range(20)]
        )
        later = [deliver(SECRET, {"id": str(uuid.uuid4())}).status_code for _ in range(5)]
    assert later == [200, 200, 200, 200, 503]
    assert WebhookEvent.objects.filter(outcome=Outcome.PENDING).count() == 5


@pytest.mark.django_db
def test_refused_requests_are_stored_up_to_an_hourly_cap_then_only_counted(
    queued_tasks, monkeypatch, caplog
):
    monkeypatch.setattr(webhooks, "REJECTED_STORED_PER_HOUR", 5)
    monkeypatch.setattr(webhooks, "_unstored_rejections", webhooks._Unstored())
    with webhook_settings(), caplog.at_level(logging.WARNING, logger="django_creatify"):
        statuses = {post(SECRET, b"{not json").status_code for _ in range(12)}
    assert statuses == {400}
    assert WebhookEvent.objects.filter(outcome=Outcome.REJECTED).count() == 5
    unstored = [r.getMessage() for r in caplog.records if "not stored" in r.getMessage()]
    assert len(unstored) == 1 and "1 refused requests not stored" in unstored[0]


@pytest.mark.django_db
def test_the_receiver_needs_no_login_where_the_site_requires_one(queued_tasks, settings):
    login_required = "django.contrib.auth.middleware.LoginRequiredMiddleware"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, login_required]
    with webhook_settings():
        assert post(SECRET, {"id": str(uuid.uuid4())}).status_code == 200
