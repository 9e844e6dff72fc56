"""The webhook receiver: a hint, checked and turned into an authenticated re-read."""

import json
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from django_creatify.models import AuroraFlow, WebhookEvent
from django_creatify.retention import purge_webhook_events
from django_creatify.signals import aurora_status_changed
from django_creatify.sync import sync_aurora_flows
from django_creatify.tasks import refresh_aurora_flow
from django_creatify.webhook_urls import default_webhook_url

from .helpers import snapshot

SECRET = "s3cret-webhook-path-segment-0123456789"
OLD_SECRET = "previous-webhook-secret-9876543210"
Outcome = WebhookEvent.Outcome


def webhook_settings(**extra):
    return override_settings(CREATIFY={**settings.CREATIFY, "WEBHOOK_SECRET": SECRET, **extra})


def post(secret, body, *, content_type="application/json"):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return Client().post(f"/creatify/webhook/{secret}/", data, content_type=content_type)


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """POST a webhook and run what the view defers to after commit."""

    def deliver_(secret, body, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(secret, body, **kwargs)

    return deliver_


# -- Must show 1: end to end -------------------------------------------------------------


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
        assert (str(event.flow_id), event.outcome) == (job_id, Outcome.REFRESHED)
    finally:
        aurora_status_changed.disconnect(listen)


# -- Must show 2: the body is never trusted ----------------------------------------------


@pytest.mark.django_db
def test_a_webhook_claiming_done_cannot_finish_a_running_job(
    creatify_sandbox, deliver, eager_celery
):
    (job,) = creatify_sandbox.add_jobs(1, status="running", progress=0.4)
    sync_aurora_flows()
    lie = {
        "id": job["id"],
        "status": "done",
        "failed_reason": "",
        "video_output": "https://evil.example/x.mp4",
    }
    with webhook_settings():
        assert deliver(SECRET, lie).status_code == 200
    flow = AuroraFlow.objects.get(pk=job["id"])
    assert (flow.status, flow.video_output) == ("running", None)
    ids_requested = [r.query.get("ids") for r in creatify_sandbox.requests if r.method == "GET"]
    assert ids_requested[-1] == job["id"]  # it asked Creatify instead


@pytest.mark.django_db
def test_an_unknown_job_is_fetched_and_created(creatify_sandbox, deliver, eager_celery):
    (job,) = creatify_sandbox.add_jobs(1, status="done")
    with webhook_settings():
        deliver(SECRET, {"id": job["id"], "status": "done", "failed_reason": "", "output": "x"})
    assert AuroraFlow.objects.get(pk=job["id"]).status == "done"


# -- Must show 3: refusals -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("secret", ["wrong", SECRET[:-1], SECRET + "x", "", "%00"])
def test_a_wrong_secret_is_a_plain_404_with_nothing_done(creatify_sandbox, queued_tasks, secret):
    with webhook_settings():
        response = post(secret or "-", {"id": str(uuid.uuid4()), "status": "done"})
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    assert WebhookEvent.objects.count() == 0
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
    ("body", "content_type", "status", "reason"),
    [
        (b"{not json", "application/json", 400, "body is not valid JSON"),
        (b'{"status": "done"}', "application/json", 400, "body has no valid job id"),
        (b'{"id": "not-a-uuid"}', "application/json", 400, "body has no valid job id"),
        (b'{"id": 12345}', "application/json", 400, "body has no valid job id"),
        (b'["a list"]', "application/json", 400, "body has no valid job id"),
        (b"id=x", "application/x-www-form-urlencoded", 415, "content type must be"),
        (b'{"id": "' + b"x" * 70000 + b'"}', "application/json", 413, "over the 65536-byte limit"),
    ],
    ids=["malformed", "no-id", "bad-id", "numeric-id", "not-object", "form", "oversized"],
)
def test_bad_requests_are_refused_logged_and_change_nothing(
    creatify_sandbox, queued_tasks, body, content_type, status, reason
):
    creatify_sandbox.add_jobs(3)
    sync_aurora_flows()
    before = snapshot()
    with webhook_settings():
        response = post(SECRET, body, content_type=content_type)
    assert response.status_code == status
    assert reason in response.json()["detail"]
    (event,) = WebhookEvent.objects.all()
    assert event.outcome == Outcome.REJECTED and reason in event.error
    assert len(event.body_excerpt) <= 300
    assert snapshot() == before and queued_tasks == []


@pytest.mark.django_db
def test_rotated_secrets_both_work(creatify_sandbox, deliver, eager_celery):
    jobs = creatify_sandbox.add_jobs(2, status="done")
    with override_settings(CREATIFY={**settings.CREATIFY, "WEBHOOK_SECRET": [SECRET, OLD_SECRET]}):
        assert deliver(SECRET, {"id": jobs[0]["id"]}).status_code == 200
        assert deliver(OLD_SECRET, {"id": jobs[1]["id"]}).status_code == 200
        assert post("neither", {"id": jobs[1]["id"]}).status_code == 404
        # New jobs are told the first (current) secret.
        with override_settings(
            CREATIFY={
                **settings.CREATIFY,
                "WEBHOOK_SECRET": [SECRET, OLD_SECRET],
                "WEBHOOK_BASE_URL": "https://site.example",
            }
        ):
            assert default_webhook_url() == f"https://site.example/creatify/webhook/{SECRET}/"
    assert AuroraFlow.objects.filter(status="done").count() == 2


# -- Must show 4: a flood coalesces --------------------------------------------------------


@pytest.mark.django_db
def test_a_flood_of_webhooks_coalesces_and_ends_equal_to_the_api(
    creatify_sandbox, deliver, queued_tasks
):
    jobs = creatify_sandbox.add_jobs(50, status="running", progress=0.5)
    sync_aurora_flows()
    for job in jobs:
        creatify_sandbox.update_job(job["id"], status="done", progress=1.0)
    creatify_sandbox.requests.clear()

    with webhook_settings():
        for round_ in range(20):
            for job in jobs:
                shape = "video_output" if round_ % 2 else "output"
                body = {"id": job["id"], "status": "done", "failed_reason": "", shape: None}
                assert deliver(SECRET, body).status_code == 200

    per_id = {}
    for name, args, _ in queued_tasks:
        assert name == "django_creatify.tasks.refresh_aurora_flow"
        per_id[args[0]] = per_id.get(args[0], 0) + 1
    assert sorted(per_id) == sorted(job["id"] for job in jobs)
    assert max(per_id.values()) <= 2  # at most a few refreshes per id, not 20
    outcomes = dict.fromkeys(Outcome.values, 0)
    for outcome in WebhookEvent.objects.values_list("outcome", flat=True):
        outcomes[outcome] += 1
    assert outcomes[Outcome.QUEUED] == len(queued_tasks)
    assert outcomes[Outcome.COALESCED] == 1000 - len(queued_tasks)

    # The broker delivers the queued refreshes: the mirror ends equal to the API.
    for _, args, kwargs in queued_tasks:
        refresh_aurora_flow.apply(args=args, kwargs=kwargs, throw=True)
    served = {job["id"]: creatify_sandbox.job(job["id"]) for job in jobs}
    for flow in AuroraFlow.objects.all():
        assert flow.raw == served[str(flow.pk)]
    assert len([r for r in creatify_sandbox.requests if r.method == "GET"]) == len(queued_tasks)


# -- replay and retention ------------------------------------------------------------------


@pytest.mark.django_db
def test_failed_events_can_be_replayed(creatify_sandbox, deliver, eager_celery, capsys):
    (job,) = creatify_sandbox.add_jobs(1, status="done")
    with webhook_settings(API_KEY="wrong-key"):
        deliver(SECRET, {"id": job["id"]})
    event = WebhookEvent.objects.get()
    assert event.outcome == Outcome.FAILED and "credentials" in event.error
    assert "wrong-key" not in event.error
    call_command("creatify_webhooks", "--replay-failed")
    event.refresh_from_db()
    assert event.outcome == Outcome.REFRESHED
    assert AuroraFlow.objects.get().status == "done"
    assert "replayed 1 event(s): refreshed 1" in capsys.readouterr().out


@pytest.mark.django_db
def test_old_events_are_purged_in_batches():
    old = timezone.now() - timedelta(days=31)
    WebhookEvent.objects.bulk_create(
        [WebhookEvent(received_at=old) for _ in range(25)] + [WebhookEvent() for _ in range(3)]
    )
    assert purge_webhook_events(batch=10) == 25
    assert WebhookEvent.objects.count() == 3
    WebhookEvent.objects.bulk_create([WebhookEvent(received_at=old)])
    assert refresh_aurora_flow.app.tasks[
        "django_creatify.tasks.purge_webhook_events"
    ].delay().get() == {"deleted": 1}


@pytest.mark.django_db
def test_admin_lists_events_read_only_and_reprocesses_them(
    admin_client, creatify_sandbox, deliver, eager_celery
):
    (job,) = creatify_sandbox.add_jobs(1, status="done")
    with webhook_settings(API_KEY="wrong-key"):
        deliver(SECRET, {"id": job["id"], "name": "<script>alert(1)</script>"})
    event = WebhookEvent.objects.get()
    changelist = admin_client.get("/admin/django_creatify/webhookevent/")
    assert changelist.status_code == 200 and job["id"] in changelist.content.decode()
    detail = admin_client.get(f"/admin/django_creatify/webhookevent/{event.pk}/change/")
    assert "&lt;script&gt;" in detail.content.decode()
    assert "<script>alert(1)" not in detail.content.decode()
    assert admin_client.get("/admin/django_creatify/webhookevent/add/").status_code == 403

    response = admin_client.post(
        "/admin/django_creatify/webhookevent/",
        {"action": "reprocess", "_selected_action": [event.pk]},
        follow=True,
    )
    assert "Reprocessed 1 event (Refreshed: 1)." in response.content.decode()
    event.refresh_from_db()
    assert event.outcome == Outcome.REFRESHED
    assert AuroraFlow.objects.get(pk=job["id"]).status == "done"
