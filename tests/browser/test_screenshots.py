"""The README's admin screenshots, regenerated on demand (they are not checked in CI):

    CREATIFY_SCREENSHOTS=1 .venv/bin/pytest tests/browser/test_screenshots.py

writes ``docs/admin-changelist.png``, ``docs/admin-done-job.png``,
``docs/admin-overview.png`` and Lipsync's ``docs/admin-lipsync-changelist.png`` and
``docs/admin-lipsync-done-job.png`` from a seeded sandbox, through the same live server
and Chromium as the browser tests; ``test_archive_browser.py`` writes
``docs/admin-archived-job.png`` and ``docs/admin-expired-job.png`` the same way.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from django_creatify.models import AuroraFlow, Lipsync

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("CREATIFY_SCREENSHOTS") != "1",
        reason="set CREATIFY_SCREENSHOTS=1 to regenerate docs/*.png",
    ),
]

DOCS = Path(__file__).resolve().parents[2] / "docs"
CHANGELIST = "/admin/django_creatify/auroraflow/"
LIPSYNC_CHANGELIST = "/admin/django_creatify/lipsync/"


def test_regenerate_screenshots(admin_page, creatify_sandbox):
    from playwright.sync_api import expect

    DOCS.mkdir(exist_ok=True)
    creatify_sandbox.add_jobs(60, seed=1)
    page = admin_page
    page.set_viewport_size({"width": 1680, "height": 1000})

    page.goto(page.base + CHANGELIST)
    page.get_by_role("button", name="Sync all now").click()
    expect(page.locator(".messagelist .success")).to_contain_text("created 60")
    page.goto(page.base + CHANGELIST)
    # More room for the table: fold the admin's navigation sidebar (remembered per browser).
    page.locator("#toggle-nav-sidebar").click()
    expect(page.locator("#nav-sidebar")).not_to_be_visible()
    page.goto(page.base + CHANGELIST)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=DOCS / "admin-changelist.png")

    done = (
        AuroraFlow.objects.filter(status="done", name__startswith="Product demo")
        .exclude(editor_url=None)
        .first()
        or AuroraFlow.objects.filter(status="done").exclude(editor_url=None).first()
    )
    page.goto(f"{page.base}{CHANGELIST}{done.pk}/change/")
    for video in page.locator("video.creatify-player").all():
        page.wait_for_function("el => el.readyState >= 2", arg=video.element_handle())
    page.wait_for_load_state("networkidle")
    page.screenshot(path=DOCS / "admin-done-job.png", full_page=True)

    page.goto(page.base + CHANGELIST + "overview/")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=DOCS / "admin-overview.png", full_page=True)


def test_regenerate_lipsync_screenshots(admin_page, creatify_sandbox):
    from playwright.sync_api import expect

    DOCS.mkdir(exist_ok=True)
    creatify_sandbox.add_jobs(40, "lipsyncs", seed=1)
    page = admin_page
    page.set_viewport_size({"width": 1680, "height": 1000})

    page.goto(page.base + LIPSYNC_CHANGELIST)
    page.get_by_role("button", name="Sync all now").click()
    expect(page.locator(".messagelist .success")).to_contain_text("created 40")
    page.locator("#toggle-nav-sidebar").click()
    expect(page.locator("#nav-sidebar")).not_to_be_visible()
    page.goto(page.base + LIPSYNC_CHANGELIST)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=DOCS / "admin-lipsync-changelist.png")

    done = Lipsync.objects.filter(status="done").exclude(output=None).exclude(editor_url=None)
    page.goto(f"{page.base}{LIPSYNC_CHANGELIST}{done.first().pk}/change/")
    for video in page.locator("video.creatify-player").all():
        page.wait_for_function("el => el.readyState >= 2", arg=video.element_handle())
    page.wait_for_load_state("networkidle")
    page.screenshot(path=DOCS / "admin-lipsync-done-job.png", full_page=True)
