"""The admin of the families beyond Aurora in a real browser: the list, a finished job's
page with its video playing, and hostile payloads that must never run.

Rows come from documented payloads through the sync, their media served by the sandbox.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from django_creatify.families import FAMILIES, get_family
from django_creatify.sync import apply_payloads
from tests.job_payloads import hostile, payload, payloads

pytestmark = pytest.mark.django_db(transaction=True)

FAMILY_NAMES = [name for name in FAMILIES if name != "aurora"]
#: Where the pages' screenshots go, to look at them (unset: none are taken).
SCREENSHOTS = os.environ.get("CREATIFY_FAMILY_SCREENSHOTS")


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def admin_url(family: str) -> str:
    return f"/admin/django_creatify/{get_family(family).model._meta.model_name}/"


def with_sandbox_media(family: str, job: dict, sandbox) -> dict:
    """The job with its video, preview and still served by the sandbox (they really load)."""
    media = {}
    if "video_thumbnail" in job:
        media["video_thumbnail"] = f"{sandbox.url}/media/image.png?job={job['id']}"
    if job["status"] == "done":
        media[get_family(family).output_field] = f"{sandbox.url}/media/video.mp4?job={job['id']}"
        media["preview"] = f"{sandbox.url}/media/video.mp4?job={job['id']}&preview=1"
        for name in ("audio_url", "background_music_url"):
            if name in job:
                media[name] = f"{sandbox.url}/media/audio.wav?job={job['id']}"
    return {**job, **media}


def screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        # The README's screenshots' size: wide enough for every column beside the sidebar.
        page.set_viewport_size({"width": 1680, "height": 1000})
        page.screenshot(path=Path(SCREENSHOTS) / f"{name}.png", full_page=True)


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_the_list_and_a_finished_job_play_in_the_browser(admin_page, creatify_sandbox, family):
    jobs = [with_sandbox_media(family, job, creatify_sandbox) for job in payloads(family, 12)]
    apply_payloads(family, jobs)
    page = admin_page
    page.goto(page.base + admin_url(family))
    rows = page.locator("#result_list tbody tr")
    expect()(rows).to_have_count(12)
    expect()(page.locator(".creatify-badge--done")).to_have_count(2)
    expect()(page.locator(".creatify-badge--running").first).to_have_text("Running")
    expect()(page.locator(".creatify-progress-label").nth(2)).to_have_text(re.compile(r"\d+%"))
    page.wait_for_load_state("networkidle")
    screenshot(page, f"{family}-changelist")

    done = next(job for job in jobs if job["status"] == "done")
    # (A hidden job's link also reads "hidden".)
    page.get_by_role("link", name=re.compile(rf"^{re.escape(done['name'])}\b")).click()
    video = page.locator("video.creatify-player--video")
    expect()(video).to_have_attribute("src", done[get_family(family).output_field])
    page.wait_for_function(
        "el => el.readyState >= 1 && el.duration > 0", arg=video.element_handle()
    )
    expect()(page.locator("video.creatify-player--preview")).to_be_visible()
    for name in get_family(family).json_fields:
        value = done[name][0] if isinstance(done[name], list) else done[name]
        expect()(page.locator("pre.creatify-json")).to_contain_text(f'"{min(value)}": ')
    expect()(page.get_by_text(re.compile(r"expires in 2[34] h"))).to_be_visible()
    page.wait_for_load_state("networkidle")
    screenshot(page, f"{family}-done-job")

    page.goto(page.base + admin_url(family) + "overview/")
    expect()(page.locator("h1")).to_have_text(f"{get_family(family).label} overview")
    row = page.locator(".creatify-families tbody tr", has_text=get_family(family).label)
    expect()(row.locator(f'[data-family-total="{family}"]')).to_have_text("12")
    screenshot(page, f"{family}-overview")
    page.goto(page.base + admin_url(family) + "add/")
    expect()(page.get_by_role("button", name="Preview at Creatify")).to_be_visible()
    screenshot(page, f"{family}-add")
    assert page.dialogs == []


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_hostile_payloads_never_run(admin_page, family):
    jobs = [hostile(family, index, status) for index, status in enumerate(("failed", "done"))]
    jobs.append(payload(family, 3, "running"))
    apply_payloads(family, jobs)
    page = admin_page
    paths = [admin_url(family), admin_url(family) + "overview/"]
    paths += [f"{admin_url(family)}{job['id']}/change/" for job in jobs]
    for path in paths:
        page.goto(page.base + path)
        page.wait_for_load_state("load")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        links = page.evaluate(
            "() => [...document.querySelectorAll('[href],[src],[poster]')].map("
            "el => el.getAttribute('href') || el.getAttribute('src') || el.getAttribute('poster'))"
        )
        assert not [url for url in links if url.lower().startswith("javascript:")], path
        expect()(page.locator("iframe")).to_have_count(0)
    assert page.dialogs == []
