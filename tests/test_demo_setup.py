"""What ``manage.py demo`` does before it serves (example_project/demo_setup.py), run as the
demo runs it: a served sandbox on loopback, the demo's settings, a real SQLite database.

A restart is the same start-up again on the same database with a new sandbox."""

from __future__ import annotations

import logging

import pytest
from django.utils import timezone

from django_creatify.families import FAMILIES, get_family
from django_creatify.models import WebhookEvent
from django_creatify.sandbox import Sandbox
from django_creatify.sync import create_job, refresh_active_jobs
from example_project.demo_setup import (
    DEMO_API_ID,
    DEMO_API_KEY,
    NEW_JOB_FAMILIES,
    NEW_VIDEOS,
    DemoSandbox,
    HideWebhookSecret,
    demo_creatify_settings,
    new_job,
    site_url,
    start_sandbox,
    sync_every_family,
    webhook_secret,
)

JOBS = 12
# Where the sandbox sends the webhooks of jobs made without a site to receive them: a
# closed port, so a delivery fails at once.
NO_SITE = "http://127.0.0.1:9"
FINISHED = {"done", "failed", "rejected"}


def start_demo(settings, site: str = NO_SITE) -> DemoSandbox:
    demo = start_sandbox("127.0.0.1:0", jobs=JOBS, seed=1, speed=3.0, manual_clock=True)
    settings.CREATIFY = demo_creatify_settings(demo.url, site)
    return demo


def rows():
    for family in FAMILIES.values():
        yield from family.model.objects.all()


def missing() -> list[str]:
    return [row.name or str(row.pk) for row in rows() if row.missing_since is not None]


def make_new_jobs(demo: DemoSandbox, count: int = 3) -> list:
    return [
        create_job(family, **fields)
        for family, fields in (new_job(demo.url, n, NEW_JOB_FAMILIES) for n in range(count))
    ]


def refresh_every_family() -> None:
    for family in FAMILIES:
        refresh_active_jobs(family)


@pytest.mark.django_db
def test_a_restarted_demo_keeps_every_job_and_unfinished_ones_carry_on(settings):
    with start_demo(settings) as first:
        sync_every_family()
        made = make_new_jobs(first)
        first.sandbox.advance(1)
        refresh_every_family()
    before = {row.pk: row for row in rows()}
    unfinished = [pk for pk, row in before.items() if row.status not in FINISHED]
    assert {job.pk for job in made} <= set(unfinished)

    with start_demo(settings) as second:
        assert second.seeded == {} and sum(second.restored.values()) == len(before)
        results = sync_every_family()
        assert missing() == [], results
        for pk in unfinished:
            served = second.sandbox.job(str(pk))
            assert (served["status"], float(served["progress"])) == (
                before[pk].status,
                before[pk].progress,
            )
        second.sandbox.advance(3600)
        refresh_every_family()
        after = {row.pk: row for row in rows()}
        assert set(after) == set(before) and missing() == []
        for pk in unfinished:
            assert after[pk].status in FINISHED and after[pk].updated_at > before[pk].updated_at


@pytest.mark.django_db
def test_jobs_an_older_demo_marked_missing_are_listed_again(settings):
    with start_demo(settings) as first:
        sync_every_family()
        made = make_new_jobs(first)
    # What a restart used to be: a new sandbox with the seeded jobs alone.
    older = Sandbox(DEMO_API_ID, DEMO_API_KEY, jobs=JOBS, seed=1, manual_clock=True)
    with older.serve() as server:
        settings.CREATIFY = demo_creatify_settings(server.url, NO_SITE)
        sync_every_family()
    assert sorted(missing()) == sorted(job.name or str(job.pk) for job in made)

    with start_demo(settings):
        sync_every_family()
        assert missing() == []


@pytest.mark.django_db(transaction=True)
def test_a_job_the_demo_makes_reports_its_end_to_the_webhook_log(live_server, settings):
    with start_demo(settings, site=live_server.url) as demo:
        sync_every_family()
        (job,) = make_new_jobs(demo, 1)
        assert job.webhook_url.startswith(f"{live_server.url}/creatify/webhook/")
        demo.sandbox.advance(600)  # the job ends; the sandbox POSTs to the demo site
        (delivery,) = demo.sandbox.webhooks
        assert (delivery.status, delivery.payload["id"]) == (200, str(job.pk))
        (event,) = WebhookEvent.objects.all()
        assert (event.flow_id, event.outcome) == (job.pk, WebhookEvent.Outcome.REFRESHED)
        assert event.payload == delivery.payload
        job.refresh_from_db()
        assert job.status == delivery.payload["status"] in FINISHED


@pytest.mark.django_db
def test_a_fresh_database_gets_seeded_jobs_of_every_family_dated_in_the_past(settings):
    with start_demo(settings) as demo:
        assert demo.restored == {}
        assert demo.seeded == {"aurora": JOBS, "lipsyncs": 6, "lipsyncs_v2": 6, "ai_shorts": 6}
        sync_every_family()
    now = timezone.now()
    for row in rows():
        assert row.name and row.created_at <= now and row.updated_at <= now
        assert row.created_at <= row.synced_at


def test_the_demo_makes_varied_jobs_of_each_family_in_turn():
    made = [new_job("http://sandbox", number, NEW_JOB_FAMILIES) for number in range(21)]
    assert [family for family, _ in made[:6]] == [*NEW_JOB_FAMILIES, *NEW_JOB_FAMILIES]
    for name in NEW_JOB_FAMILIES:
        fields = [fields for family, fields in made if family == name]
        said = {fields.get("text") or fields.get("script") or fields["name"] for fields in fields}
        assert len(said) == len(NEW_VIDEOS)  # each video in turn, none twice
        for each in fields:
            assert set(each) <= set(get_family(name).create_fields)
    names = [fields["name"] for _, fields in made if "name" in fields]
    assert not [name for name in names if "just now" in name or "Demo" in name]


@pytest.mark.parametrize(
    ("addr", "url"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("0.0.0.0:8000", "http://127.0.0.1:8000"),
        ("[::]:8000", "http://[::1]:8000"),
        ("8000", "http://127.0.0.1:8000"),
    ],
)
def test_the_sandbox_reaches_the_site_on_loopback(addr, url):
    assert site_url(addr) == url


def test_the_webhook_secret_stays_out_of_the_request_log(settings):
    settings.CREATIFY = demo_creatify_settings("http://sandbox", NO_SITE)
    secret = webhook_secret()
    assert secret == webhook_secret() and len(secret) >= 32
    line = f"POST /creatify/webhook/{secret}/lipsyncs/ HTTP/1.1"
    record = logging.LogRecord("django.server", logging.INFO, "", 0, '"%s" %s %s', None, None)
    record.args = (line, "200", "64")
    assert HideWebhookSecret().filter(record)
    assert secret not in record.getMessage() and "/creatify/webhook/" in record.getMessage()
