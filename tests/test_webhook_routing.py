"""One receiver for every family: hints are routed to the family that has the job."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from django_creatify import hints
from django_creatify.families import FAMILIES, get_family
from django_creatify.hint_store import record_hint
from django_creatify.models import WebhookEvent
from django_creatify.sync import sync_jobs
from django_creatify.webhook_urls import default_webhook_url

from .webhook_support import SECRET, Outcome, webhook_settings

pytestmark = pytest.mark.django_db
NEW_FAMILIES = [name for name in FAMILIES if name != "aurora"]


def gets(sandbox) -> list[tuple[str, int]]:
    """(path, ids asked) of every list request the sandbox answered."""
    return [
        (request.path, len(request.query["ids"].split(",")))
        for request in sandbox.requests
        if request.method == "GET" and "ids" in request.query
    ]


@pytest.mark.parametrize("name", NEW_FAMILIES)
def test_a_family_url_records_its_family_and_the_drain_asks_only_that_family(
    name, creatify_sandbox
):
    job = creatify_sandbox.add_job(family=name, status="done")
    with webhook_settings():
        response = Client().post(
            f"/creatify/webhook/{SECRET}/{name}/",
            {"id": job["id"], "status": "done", "output": "https://cdn.example/v.mp4"},
            content_type="application/json",
        )
    assert response.status_code == 200
    assert WebhookEvent.objects.get().family == name
    creatify_sandbox.requests.clear()
    drained = hints.drain_pending()
    assert (drained.refreshed, drained.unknown, drained.requests) == (1, 0, 1)
    assert gets(creatify_sandbox) == [(f"/api/{name}/", 1)]
    assert get_family(name).model.objects.filter(pk=job["id"], status="done").exists()


def test_a_url_naming_no_family_is_not_found():
    with webhook_settings():
        response = Client().post(
            f"/creatify/webhook/{SECRET}/videos/", {"id": str(uuid.uuid4())}, "application/json"
        )
    assert response.status_code == 404
    assert not WebhookEvent.objects.exists()


def test_hints_on_the_shared_url_are_routed_by_the_mirror_then_asked_of_each_family(
    creatify_sandbox,
):
    mirrored = {name: creatify_sandbox.add_job(family=name, status="done") for name in FAMILIES}
    for name, job in mirrored.items():
        sync_jobs(name, ids=[job["id"]])
    stranger = creatify_sandbox.add_job(family="ai_shorts", status="done")
    unknown = str(uuid.uuid4())
    for job_id in [*(job["id"] for job in mirrored.values()), stranger["id"], unknown]:
        assert record_hint(uuid.UUID(job_id), {"id": job_id}, None)
    creatify_sandbox.requests.clear()

    drained = hints.drain_pending()

    assert (drained.refreshed, drained.unknown) == (5, 1)
    # One GET per family: its mirrored job, with the two unrouted ids until one family
    # returns them (the stranger is the last family's; the unknown id is nobody's).
    assert gets(creatify_sandbox) == [(f"/api/{name}/", 3) for name in FAMILIES]
    events = dict(WebhookEvent.objects.values_list("flow_id", "family"))
    assert events[uuid.UUID(stranger["id"])] == "ai_shorts"
    assert events[uuid.UUID(unknown)] == ""
    assert WebhookEvent.objects.get(flow_id=unknown).outcome == Outcome.UNKNOWN
    assert get_family("ai_shorts").model.objects.filter(pk=stranger["id"]).exists()


def test_a_hint_is_asked_only_of_the_enabled_families(creatify_sandbox, settings):
    job = creatify_sandbox.add_job(family="lipsyncs", status="done")
    settings.CREATIFY = {**settings.CREATIFY, "FAMILIES": ["aurora", "ai_shorts"]}
    assert record_hint(uuid.UUID(job["id"]), {"id": job["id"]}, None)
    creatify_sandbox.requests.clear()
    drained = hints.drain_pending()
    assert (drained.refreshed, drained.unknown) == (0, 1)
    assert [path for path, _ in gets(creatify_sandbox)] == ["/api/aurora/", "/api/ai_shorts/"]


@pytest.mark.parametrize("name", NEW_FAMILIES)
def test_new_jobs_of_other_families_get_a_webhook_url_naming_their_family(name, settings):
    settings.CREATIFY = {
        **settings.CREATIFY,
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_BASE_URL": "https://site.example",
    }
    assert default_webhook_url(get_family(name)) == (
        f"https://site.example/creatify/webhook/{SECRET}/{name}/"
    )
    assert default_webhook_url(get_family("aurora")) == (
        f"https://site.example/creatify/webhook/{SECRET}/"
    )
