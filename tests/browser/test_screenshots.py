"""The README's admin screenshots, regenerated on demand (they are not checked in CI):

    CREATIFY_SCREENSHOTS=1 CI=1 .venv/bin/pytest tests/browser/test_screenshots.py

writes, at a 1440x900 laptop with the navigation sidebar open and at a 390x844 phone,
``docs/admin-{list,running-job,done-job,failed-job,overview,webhook-log}-{1440,390}.png``
and, at 1440, Lipsync's ``docs/admin-lipsync-list-1440.png`` and
``docs/admin-lipsync-done-job-1440.png``: from a seeded sandbox, through the same live
server and Chromium as the browser tests. ``test_archive_browser.py`` writes
``docs/admin-archived-job.png`` and ``docs/admin-expired-job.png`` the same way.

The webhook log holds the deliveries of jobs made through the app with the site's
webhook URL, as the demo makes them, and finished by the sandbox's clock.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from django_creatify import hints
from django_creatify.models import AuroraFlow, Lipsync, WebhookEvent
from django_creatify.sync import create_job
from example_project.demo_setup import NEW_JOB_FAMILIES, new_job

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("CREATIFY_SCREENSHOTS") != "1",
        reason="set CREATIFY_SCREENSHOTS=1 to regenerate docs/*.png",
    ),
]

DOCS = Path(__file__).resolve().parents[2] / "docs"
ADMIN = "/admin/django_creatify/"
CHANGELIST = ADMIN + "auroraflow/"
LIPSYNC_CHANGELIST = ADMIN + "lipsync/"
SCREENS = {1440: {"width": 1440, "height": 900}, 390: {"width": 390, "height": 844}}
WEBHOOK_SECRET = "screenshot-webhook-secret-0123456789"


def _sync_from_the_list(page, changelist: str, created: int) -> None:
    from playwright.sync_api import expect

    page.goto(page.base + changelist)
    page.get_by_role("button", name="Sync all now").click()
    expect(page.locator(".messagelist .success")).to_contain_text(f"created {created}")


def _settled(page) -> None:
    for video in page.locator("video.creatify-player").all():
        page.wait_for_function("el => el.readyState >= 2", arg=video.element_handle())
    page.wait_for_load_state("networkidle")


def _job_page(page, job) -> None:
    page.goto(f"{page.base}{CHANGELIST}{job.pk}/change/")
    _settled(page)


def _make_delivered_jobs(sandbox, live_server, settings, count: int) -> None:
    """Jobs made as the demo makes them, finished, their webhooks received by the site."""
    settings.CREATIFY = {
        **settings.CREATIFY,
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "WEBHOOK_BASE_URL": live_server.url,
    }
    base = settings.CREATIFY["BASE_URL"]
    for number in range(count):
        family, fields = new_job(base, number, NEW_JOB_FAMILIES)
        create_job(family, **fields)
    sandbox.advance(600)
    if hints.has_pending():  # as the demo's refresh loop does between batches
        hints.drain_pending()
    assert WebhookEvent.objects.count() == count
    assert not WebhookEvent.objects.exclude(outcome=WebhookEvent.Outcome.REFRESHED).exists()


def test_regenerate_screenshots(admin_page, creatify_sandbox, live_server, settings):
    DOCS.mkdir(exist_ok=True)
    creatify_sandbox.add_jobs(60, seed=1)
    page = admin_page
    page.set_viewport_size(SCREENS[1440])
    _sync_from_the_list(page, CHANGELIST, 60)
    _make_delivered_jobs(creatify_sandbox, live_server, settings, 6)

    jobs = AuroraFlow.objects.order_by("-created_at")
    running = jobs.filter(status="running").first()
    done = jobs.filter(status="done").exclude(editor_url=None).exclude(video_output=None).first()
    failed = jobs.filter(status="failed").first()
    assert running and done and failed, "the seeded account lacks a running, done or failed job"

    for width, viewport in SCREENS.items():
        page.set_viewport_size(viewport)
        page.goto(page.base + CHANGELIST)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=DOCS / f"admin-list-{width}.png")
        for name, job in (("running", running), ("done", done), ("failed", failed)):
            _job_page(page, job)
            page.screenshot(path=DOCS / f"admin-{name}-job-{width}.png", full_page=True)
        page.goto(page.base + CHANGELIST + "overview/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=DOCS / f"admin-overview-{width}.png", full_page=True)
        page.goto(page.base + ADMIN + "webhookevent/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=DOCS / f"admin-webhook-log-{width}.png")


def test_regenerate_lipsync_screenshots(admin_page, creatify_sandbox):
    DOCS.mkdir(exist_ok=True)
    creatify_sandbox.add_jobs(40, "lipsyncs", seed=1)
    page = admin_page
    page.set_viewport_size(SCREENS[1440])
    _sync_from_the_list(page, LIPSYNC_CHANGELIST, 40)
    page.goto(page.base + LIPSYNC_CHANGELIST)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=DOCS / "admin-lipsync-list-1440.png")

    done = Lipsync.objects.filter(status="done").exclude(output=None).exclude(editor_url=None)
    page.goto(f"{page.base}{LIPSYNC_CHANGELIST}{done.first().pk}/change/")
    _settled(page)
    page.screenshot(path=DOCS / "admin-lipsync-done-job-1440.png", full_page=True)
