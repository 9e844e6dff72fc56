"""Archived copies in a real browser: the admin's player streams the site's copy (with
byte ranges) and seeks in it; a job past Creatify's retention without a copy shows a
notice, not a player."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from django_creatify.archive import archive_job
from django_creatify.models import AuroraFlow
from django_creatify.sync import sync_jobs

pytestmark = pytest.mark.django_db(transaction=True)

CHANGELIST = "/admin/django_creatify/auroraflow/"
SCREENSHOTS = os.environ.get("CREATIFY_SCREENSHOTS") == "1"
DOCS = Path(__file__).resolve().parents[2] / "docs"


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def test_the_player_streams_the_archived_copy_and_can_seek(
    admin_page, creatify_sandbox, archive_dir
):
    job = creatify_sandbox.add_job(name="Kept for good", status="done")
    sync_jobs("aurora")  # the sync's own task may have archived it already
    result = archive_job("aurora", job["id"])
    assert "video_output" in result.archived + result.kept
    page = admin_page
    ranges = []
    page.on(
        "request",
        lambda request: (
            ranges.append(request.headers.get("range"))
            if "/archive/video_output/" in request.url
            else None
        ),
    )

    page.goto(f"{page.base}{CHANGELIST}{job['id']}/change/")
    video = page.locator("video.creatify-player--video")
    archived = f"{CHANGELIST}{job['id']}/archive/video_output/"
    expect()(video).to_have_attribute("src", archived)
    page.wait_for_function(
        "el => el.readyState >= 1 && el.duration > 0", arg=video.element_handle()
    )
    # Seeking to the middle needs the server to answer byte ranges.
    video.evaluate("el => { el.currentTime = el.duration / 2; }")
    page.wait_for_function(
        "el => !el.seeking && el.readyState >= 2 && el.currentTime > 0",
        arg=video.element_handle(),
    )
    assert any(value and value.startswith("bytes=") for value in ranges)
    expect()(page.locator("[data-creatify-role=archived]")).to_contain_text(
        "The site's archived copy"
    )
    if SCREENSHOTS:
        page.screenshot(path=DOCS / "admin-archived-job.png", full_page=True)


def test_an_expired_video_without_a_copy_is_a_notice(admin_page, creatify_sandbox):
    job = creatify_sandbox.add_job(name="Gone at Creatify", status="done")
    sync_jobs("aurora")
    AuroraFlow.objects.filter(pk=job["id"]).update(updated_at=timezone.now() - timedelta(days=8))
    page = admin_page
    page.goto(f"{page.base}{CHANGELIST}{job['id']}/change/")
    expect()(page.locator("[data-creatify-role=expired]").first).to_contain_text(
        "Expired at Creatify."
    )
    expect()(page.locator("video.creatify-player--video")).to_have_count(0)
    if SCREENSHOTS:
        page.locator("[data-creatify-role=expired]").first.scroll_into_view_if_needed()
        page.screenshot(path=DOCS / "admin-expired-job.png")
    page.goto(page.base + CHANGELIST)
    row = page.locator("#result_list tbody tr").filter(has_text="Gone at Creatify")
    expect()(row.locator(".creatify-tag--warning")).to_have_text("expired")
