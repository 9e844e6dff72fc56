"""The job list is live in Chromium: once the site's periodic refresh has read a job that
finished at Creatify (the sandbox's clock moved to its end), its row shows the new status,
progress, duration, credits and video link without a reload, in its columns and where a
narrow screen folds them; a job Creatify stops listing gets its flag the same way.
The change page's audio shows its length before it is played.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from django_creatify.admin.base import CreatifyJobAdmin
from django_creatify.families import get_family
from django_creatify.sync import refresh_active_jobs, sync_jobs

pytestmark = pytest.mark.django_db(transaction=True)

EMPTY = "\u2013"


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def admin_url(family: str) -> str:
    return f"/admin/django_creatify/{get_family(family).model._meta.model_name}/"


@pytest.fixture
def fast_polls(monkeypatch):
    monkeypatch.setattr(CreatifyJobAdmin, "poll_interval", 0.25)
    monkeypatch.setattr(CreatifyJobAdmin, "idle_poll_interval", 0.25)


@pytest.mark.parametrize(("family", "width"), [("aurora", 1440), ("lipsyncs", 1366)])
def test_a_job_that_finishes_updates_its_row_without_a_reload(
    admin_page, creatify_sandbox, fast_polls, family, width
):
    creatify_sandbox.add_jobs(8, family, seed=3, status="done")
    job = creatify_sandbox.add_job(
        family, name="Live one", status="running", progress=0.2, outcome="done"
    )
    sync_jobs(family)
    page = admin_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(page.base + admin_url(family))
    row = page.locator("#result_list tbody tr", has_text="Live one")
    expect()(row.locator(".creatify-badge")).to_have_text("Running")
    duration = row.locator("td.field-duration_column [data-creatify-role=duration]")
    credits = row.locator("td.field-credits_column [data-creatify-role=credits]")
    for value in (duration, credits):
        expect()(value).to_have_text(EMPTY)
        expect()(value).to_have_class("creatify-empty")
    expect()(row.locator(".creatify-media-link--video")).to_have_count(0)
    page.evaluate("window.__sameDocument = 'still here'")

    # Creatify finishes the job; the site's periodic refresh (Celery beat) reads it.
    creatify_sandbox.advance(600)
    refresh_active_jobs(family)
    finished = get_family(family).model.objects.get(pk=job["id"])
    assert finished.status == "done" and finished.duration > 0 and finished.credits_used > 0

    expect()(row.locator(".creatify-badge")).to_have_text("Done")
    expect()(row.locator(".creatify-badge")).to_have_class(re.compile(r"creatify-badge--done"))
    expect()(row.locator(".creatify-progress-label")).to_have_text("100%")
    expect()(duration).to_have_text(f"{finished.duration}\u00a0s")
    expect()(credits).to_have_text(f"{finished.credits_used:g}")
    expect()(duration).not_to_have_class("creatify-empty")
    video = getattr(finished, get_family(family).output_field)
    link = row.locator("a.creatify-media-link--video")
    expect()(link).to_have_attribute("href", video)
    expect()(link).to_have_attribute("rel", "noopener noreferrer")
    # The values folded into the job's cell (for narrow screens) follow too.
    expect()(row.locator(".creatify-folded--duration [data-creatify-role=duration]")).to_have_text(
        f"{finished.duration}\u00a0s"
    )
    assert page.evaluate("window.__sameDocument") == "still here"
    assert page.dialogs == []


def test_a_job_creatify_stops_listing_is_flagged_without_a_reload(
    admin_page, creatify_sandbox, fast_polls
):
    job = creatify_sandbox.add_job(name="Soon gone", status="done")
    creatify_sandbox.add_job(name="Still here", status="done")
    sync_jobs("aurora")
    page = admin_page
    page.goto(page.base + admin_url("aurora"))
    flag = page.locator("#result_list tbody tr", has_text="Soon gone").locator(
        "[data-creatify-role=missing]"
    )
    expect()(flag).to_be_hidden()

    # Test data: what a complete listing without this job leaves behind.
    model = get_family("aurora").model
    model.objects.filter(pk=job["id"]).update(missing_since=timezone.now())
    expect()(flag).to_be_visible()
    expect()(flag).to_have_attribute("title", re.compile(r"^No longer listed by Creatify since "))
    expect()(flag).to_have_text("missing: no longer listed by Creatify")

    page.locator("#changelist-filter").get_by_role("link", name="No: missing").click()
    expect()(page.locator("#result_list tbody tr")).to_have_count(1)
    expect()(page.locator("#result_list tbody tr")).to_contain_text("Soon gone")


def test_the_audio_shows_its_length_before_it_is_played(admin_page, creatify_sandbox):
    job = creatify_sandbox.add_job(name="Listen first", status="done")
    sync_jobs("aurora")
    page = admin_page
    page.goto(f"{page.base}{admin_url('aurora')}{job['id']}/change/")
    audio = page.locator("audio.creatify-audio")
    expect()(audio).to_have_attribute("preload", "metadata")
    page.wait_for_function(
        "el => el.readyState >= 1 && el.duration > 0 && el.paused", arg=audio.element_handle()
    )
