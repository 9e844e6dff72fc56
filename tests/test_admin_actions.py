"""The AuroraFlow admin's actions, all through sync: refreshing selected jobs (in batches
of 100 ids, or queued as tasks), syncing every job, refreshing one job from its page, and
who may do which."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages

from django_creatify.admin.flows import AuroraFlowAdmin
from django_creatify.models import AuroraFlow
from django_creatify.sandbox import Fault
from django_creatify.sync import sync_aurora_flows
from tests.admin_support import ADMIN, make_rows, messages_of

pytestmark = pytest.mark.usefixtures("clear_admin_cache")


# -- actions ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_refresh_action_reports_what_changed(admin_client, creatify_sandbox):
    jobs = creatify_sandbox.add_jobs(3, status="running", progress=0.2)
    sync_aurora_flows()
    creatify_sandbox.update_job(jobs[0]["id"], status="done")
    creatify_sandbox.clear_requests()

    response = admin_client.post(
        ADMIN,
        {"action": "refresh_selected", "_selected_action": [job["id"] for job in jobs]},
        follow=True,
    )
    assert response.status_code == 200
    assert messages_of(response) == [
        "Refreshed 3 jobs from Creatify: created 0, updated 1, unchanged 2, skipped 0 (1 request)."
    ]
    assert AuroraFlow.objects.get(pk=jobs[0]["id"]).status == "done"
    assert len(creatify_sandbox.requests) == 1


@pytest.mark.django_db
def test_refresh_action_sends_one_request_per_100_ids(admin_client, creatify_sandbox):
    creatify_sandbox.add_jobs(250, status="done")
    sync_aurora_flows()
    creatify_sandbox.clear_requests()
    response = admin_client.post(
        ADMIN,
        {
            "action": "refresh_selected",
            "select_across": "1",
            "index": "0",
            "_selected_action": ["x"],
        },
        follow=True,
    )
    assert "Refreshed 250 jobs" in messages_of(response)[0]
    assert "(3 requests)" in messages_of(response)[0]
    assert len(creatify_sandbox.requests) == 3
    assert all(request.path == "/api/aurora/" for request in creatify_sandbox.requests)


@pytest.mark.django_db
def test_refresh_reports_jobs_creatify_no_longer_returns(admin_client, creatify_sandbox):
    job = creatify_sandbox.add_job(name="Here", status="done")
    sync_aurora_flows()
    make_rows(1)  # a row Creatify never heard of
    ids = [str(pk) for pk in AuroraFlow.objects.values_list("pk", flat=True)]
    response = admin_client.post(
        ADMIN, {"action": "refresh_selected", "_selected_action": ids}, follow=True
    )
    text = messages_of(response)[0]
    assert "unchanged 1" in text and "1 job was not returned by Creatify" in text
    assert job["id"] in ids


@pytest.mark.django_db
def test_refresh_failure_is_an_error_message_without_the_key(
    admin_client, creatify_sandbox, settings
):
    creatify_sandbox.add_jobs(2, status="running")
    sync_aurora_flows()
    creatify_sandbox.inject(Fault.status(503), Fault.status(503), Fault.status(503))
    before = list(AuroraFlow.objects.order_by("pk").values())
    response = admin_client.post(
        ADMIN,
        {
            "action": "refresh_selected",
            "select_across": "1",
            "index": "0",
            "_selected_action": ["x"],
        },
        follow=True,
    )
    assert response.status_code == 200
    (message,) = list(get_messages(response.wsgi_request))
    assert message.level_tag == "error"
    assert "Creatify refresh of 2 jobs failed" in str(message) and "503" in str(message)
    assert creatify_sandbox.api_key not in response.content.decode()
    assert list(AuroraFlow.objects.order_by("pk").values()) == before


@pytest.mark.django_db
def test_large_selection_is_queued_as_tasks(admin_client, creatify_sandbox, monkeypatch):
    monkeypatch.setattr(AuroraFlowAdmin, "refresh_now_limit", 150)
    creatify_sandbox.add_jobs(250, status="done")
    sync_aurora_flows()
    creatify_sandbox.clear_requests()
    response = admin_client.post(
        ADMIN,
        {
            "action": "refresh_selected",
            "select_across": "1",
            "index": "0",
            "_selected_action": ["x"],
        },
        follow=True,
    )
    assert messages_of(response) == [
        "Queued a refresh of 250 jobs in 3 tasks of up to 100; "
        "the list shows the results as they arrive."
    ]
    # The test settings run Celery tasks inline: they have already run, 100 ids per GET.
    assert len(creatify_sandbox.requests) == 3


@pytest.mark.django_db
def test_sync_all_now(admin_client, creatify_sandbox):
    creatify_sandbox.add_jobs(4, status="done")
    sync_aurora_flows()
    creatify_sandbox.add_jobs(2, status="running")
    assert admin_client.get(ADMIN + "sync/").status_code == 405

    response = admin_client.post(ADMIN + "sync/", {"next": ADMIN + "?status=done"})
    assert response.status_code == 302 and response.url == ADMIN + "?status=done"
    assert messages_of(response) == [
        "Synced every job from Creatify: created 2, updated 0, unchanged 4, skipped 0 (1 request)."
    ]
    assert AuroraFlow.objects.count() == 6
    # Only local redirects.
    response = admin_client.post(ADMIN + "sync/", {"next": "https://evil.example/"})
    assert response.url == ADMIN


@pytest.mark.django_db
def test_sync_all_with_bad_credentials_says_so_without_the_key(
    admin_client, creatify_sandbox, settings
):
    settings.CREATIFY = {**settings.CREATIFY, "API_KEY": "wrong-secret-key-123"}
    response = admin_client.post(ADMIN + "sync/", follow=True)
    assert response.status_code == 200
    text = messages_of(response)[0]
    assert "Creatify full sync failed" in text and "credentials" in text
    assert "wrong-secret-key-123" not in response.content.decode()


@pytest.mark.django_db
def test_sync_all_waits_for_a_running_full_sync(admin_client, creatify_sandbox):
    from django_creatify import locks, tasks

    holder = locks.acquire(tasks.FULL_SYNC_LEASE, 60, holder="worker-3:4711:9f2c0123abcd")
    ends = locks.current_holder(tasks.FULL_SYNC_LEASE).expires_at
    try:
        response = admin_client.post(ADMIN + "sync/")
    finally:
        locks.release(tasks.FULL_SYNC_LEASE, holder)
    assert messages_of(response) == [
        "A full sync is already running (worker-3:4711:9f2c0123abcd, "
        f"lease ends {ends:%H:%M:%S} UTC); try again when it has finished."
    ]
    assert creatify_sandbox.requests == []


@pytest.mark.django_db
def test_refresh_one_job_from_its_page(admin_client, creatify_sandbox):
    job = creatify_sandbox.add_job(name="One", status="running", progress=0.1)
    sync_aurora_flows()
    creatify_sandbox.update_job(job["id"], status="done")
    assert admin_client.get(f"{ADMIN}{job['id']}/refresh/").status_code == 405
    response = admin_client.post(f"{ADMIN}{job['id']}/refresh/")
    assert response.status_code == 302 and response.url == f"{ADMIN}{job['id']}/change/"
    assert messages_of(response) == [
        "Refreshed from Creatify: created 0, updated 1, unchanged 0, skipped 0 (1 request)."
    ]
    assert AuroraFlow.objects.get(pk=job["id"]).status == "done"


@pytest.mark.django_db
def test_view_only_staff_cannot_refresh_or_sync(client, django_user_model, creatify_sandbox):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_auroraflow"))
    client.force_login(user)
    creatify_sandbox.add_job(name="x", status="done")
    sync_aurora_flows()
    html = client.get(ADMIN).content.decode()
    assert "Sync all now" not in html and "refresh_selected" not in html
    assert client.post(ADMIN + "sync/").status_code == 403
    assert client.get(ADMIN + "add/").status_code == 403
    assert client.get(ADMIN + "overview/").status_code == 200
    creatify_sandbox.clear_requests()
    flow = AuroraFlow.objects.get()
    assert client.post(f"{ADMIN}{flow.pk}/refresh/").status_code == 403
    assert creatify_sandbox.requests == []
