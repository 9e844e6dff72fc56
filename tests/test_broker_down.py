"""No worker, no broker, a broken broker: no surface answers 500, and nothing is lost.

The broker is pointed at a closed port on loopback, so queuing fails the way it does when
Redis or RabbitMQ is down.
"""

import pytest
from celery import current_app
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.management import call_command
from rest_framework.test import APIClient

from django_creatify.admin.flows import AuroraFlowAdmin
from django_creatify.models import AuroraFlow, WebhookEvent
from django_creatify.sync import sync_aurora_flows

from .sandbox_support import free_port_url
from .webhook_support import SECRET, webhook_settings

pytestmark = pytest.mark.django_db

ADMIN = "/admin/django_creatify/auroraflow/"
API = "/creatify/api/aurora/"
BODY = {"audio": "https://cdn.example/a.mp3", "image": "https://cdn.example/i.png"}


@pytest.fixture
def broken_broker(queued_to_broker):
    """Tasks go to a broker at a closed loopback port."""
    port = free_port_url().split(":")[2].split("/")[0]
    conf = current_app.conf
    # Publishing uses the write URL, which Celery fills from the broker URL at start.
    saved = conf.broker_write_url
    conf.broker_write_url = f"redis://127.0.0.1:{port}/0"
    current_app._pool = None
    current_app.amqp._producer_pool = None
    yield
    conf.broker_write_url = saved
    current_app._pool = None
    current_app.amqp._producer_pool = None


@pytest.fixture
def admin(client):
    client.force_login(get_user_model().objects.create_superuser("boss", password="pw"))
    return client


@pytest.fixture
def running_job(creatify_sandbox):
    (job,) = creatify_sandbox.add_jobs(1, status="running", progress=0.2)
    sync_aurora_flows()
    creatify_sandbox.update_job(job["id"], status="done")
    creatify_sandbox.clear_requests()
    return job


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_api_refresh_runs_in_the_request_when_the_queue_is_down(
    broken_broker, running_job, creatify_sandbox
):
    staff = APIClient()
    staff.force_authenticate(get_user_model().objects.create_user("s", is_staff=True))
    response = staff.post(f"{API}{running_job['id']}/refresh/")
    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert len(creatify_sandbox.requests) == 1


def test_api_create_needs_no_queue(broken_broker, creatify_sandbox):
    staff = APIClient()
    staff.force_authenticate(get_user_model().objects.create_user("s", is_staff=True))
    assert staff.post(API, BODY, format="json").status_code == 201


def test_admin_refresh_sync_and_add_never_fail_on_a_dead_queue(
    broken_broker, admin, running_job, creatify_sandbox
):
    one = admin.post(f"{ADMIN}{running_job['id']}/refresh/")
    assert one.status_code == 302
    assert AuroraFlow.objects.get(pk=running_job["id"]).status == "done"

    synced = admin.post(f"{ADMIN}sync/", follow=True)
    assert synced.status_code == 200
    assert any("Synced every job" in text for text in messages_of(synced))

    added = admin.post(f"{ADMIN}add/", BODY, follow=True)
    assert added.status_code == 200
    assert AuroraFlow.objects.count() == 2


def test_a_large_refresh_that_cannot_be_queued_says_so(
    broken_broker, admin, running_job, monkeypatch
):
    monkeypatch.setattr(AuroraFlowAdmin, "refresh_now_limit", 0)
    response = admin.post(
        ADMIN,
        {"action": "refresh_selected", "_selected_action": [running_job["id"]]},
        follow=True,
    )
    assert response.status_code == 200
    assert any("Could not queue the refresh" in text for text in messages_of(response))


def test_the_add_message_says_how_progress_will_arrive(admin, creatify_sandbox, eager_celery):
    inline = admin.post(f"{ADMIN}add/", BODY, follow=True)
    assert any("runs no task workers" in text for text in messages_of(inline))


def test_the_add_message_names_the_workers_when_there_are_some(
    admin, creatify_sandbox, queued_tasks
):
    queued = admin.post(f"{ADMIN}add/", BODY, follow=True)
    assert any("Celery workers refresh its progress" in text for text in messages_of(queued))


def test_a_webhook_is_stored_and_answered_when_the_queue_is_down(
    broken_broker, running_job, creatify_sandbox, deliver
):
    with webhook_settings():
        response = deliver(SECRET, {"id": running_job["id"], "status": "done"})
    assert response.status_code == 200
    (event,) = WebhookEvent.objects.all()
    assert event.outcome == WebhookEvent.Outcome.PENDING
    assert creatify_sandbox.requests == []

    # Nothing lost: the next drain (here the command, as cron would run it) takes it.
    call_command("creatify_webhooks", "--process-pending")
    event.refresh_from_db()
    assert event.outcome == WebhookEvent.Outcome.REFRESHED
    assert AuroraFlow.objects.get(pk=running_job["id"]).status == "done"
