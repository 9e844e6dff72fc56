"""The admin in a real browser: Chromium via Playwright, the live server, the sandbox.

Every wait is Playwright's ``expect``/``wait_for`` with a timeout; nothing sleeps.
"""

from __future__ import annotations

import re

import pytest

from django_creatify.admin.flows import AuroraFlowAdmin
from django_creatify.models import AuroraFlow
from django_creatify.sync import refresh_active_aurora_flows, sync_aurora_flows

from .xss_corpus import DANGEROUS_SCHEME, URL_ATTRIBUTES, VECTOR_COUNT, hostile_jobs

pytestmark = pytest.mark.django_db(transaction=True)

CHANGELIST = "/admin/django_creatify/auroraflow/"


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def test_log_in_see_badges_and_progress_then_filter_by_status(admin_page, creatify_sandbox):
    creatify_sandbox.add_jobs(3, status="done")
    creatify_sandbox.add_jobs(2, status="failed")
    creatify_sandbox.add_job(name="Halfway there", status="running", progress=0.45)
    sync_aurora_flows()
    page = admin_page

    page.goto(page.base + CHANGELIST)
    rows = page.locator("#result_list tbody tr")
    expect()(rows).to_have_count(6)
    expect()(page.locator(".creatify-badge--done")).to_have_count(3)
    expect()(page.locator(".creatify-badge--done").first).to_have_text("Done")
    expect()(page.locator(".creatify-badge--failed").first).to_have_text("Failed")
    running = rows.filter(has_text="Halfway there")
    expect()(running.locator(".creatify-badge")).to_have_text("Running")
    expect()(running.locator("progress")).to_have_attribute("value", "45")
    expect()(running.locator(".creatify-progress-label")).to_have_text("45%")
    # Badges are coloured: a done badge and a failed one do not share a colour.
    done_colour = page.locator(".creatify-badge--done").first.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    failed_colour = page.locator(".creatify-badge--failed").first.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert done_colour != failed_colour

    page.locator("#changelist-filter").get_by_role("link", name="Failed", exact=True).click()
    expect()(page).to_have_url(re.compile(r"[?&]status=failed"))
    expect()(rows).to_have_count(2)
    expect()(page.locator("#result_list .creatify-badge--done")).to_have_count(0)
    assert page.dialogs == []


def test_a_done_job_plays_its_video_inline(admin_page, creatify_sandbox):
    job = creatify_sandbox.add_job(name="Ready to watch", status="done")
    sync_aurora_flows()
    flow = AuroraFlow.objects.get(pk=job["id"])
    page = admin_page

    page.goto(page.base + CHANGELIST)
    page.get_by_role("link", name="Ready to watch").click()
    video = page.locator("video.creatify-player--video")
    expect()(video).to_have_attribute("src", flow.video_output)
    expect()(video).to_have_attribute("controls", "")
    # The browser really loads it from the (sandbox's) CDN: its metadata arrives.
    page.wait_for_function(
        "el => el.readyState >= 1 && el.duration > 0", arg=video.element_handle()
    )
    expect()(page.locator("video.creatify-player--preview")).to_have_attribute("src", flow.preview)
    expect()(page.locator("img.creatify-image")).to_have_attribute("src", flow.image)
    expect()(page.locator("audio.creatify-audio")).to_have_attribute("src", flow.audio)
    expect()(page.get_by_text(re.compile(r"expires in 2[34] h"))).to_be_visible()
    raw = page.locator("details.creatify-raw")
    expect()(raw.locator("pre")).not_to_be_visible()
    raw.locator("summary").click()
    expect()(raw.locator("pre")).to_contain_text('"status": "done"')


def test_refresh_action_and_sync_all_report_what_changed(admin_page, creatify_sandbox):
    jobs = creatify_sandbox.add_jobs(3, status="running", progress=0.2)
    sync_aurora_flows()
    creatify_sandbox.update_job(jobs[0]["id"], status="done")
    page = admin_page

    page.goto(page.base + CHANGELIST)
    page.locator("#action-toggle").check()
    page.select_option("select[name=action]", "refresh_selected")
    page.locator(".actions button[type=submit]").first.click()
    message = page.locator(".messagelist .success")
    expect()(message).to_have_text(
        "Refreshed 3 jobs from Creatify: created 0, updated 1, unchanged 2, skipped 0 (1 request)."
    )
    expect()(page.locator("#result_list .creatify-badge--done")).to_have_count(1)

    creatify_sandbox.add_jobs(2, status="pending")
    page.get_by_role("button", name="Sync all now").click()
    expect()(message).to_have_text(
        "Synced every job from Creatify: created 2, updated 0, unchanged 3, skipped 0 (1 request)."
    )
    expect()(page.locator("#result_list tbody tr")).to_have_count(5)


def test_running_job_progress_updates_without_a_reload(admin_page, creatify_sandbox, monkeypatch):
    monkeypatch.setattr(AuroraFlowAdmin, "poll_interval", 0.25)
    job = creatify_sandbox.add_job(name="Live one", status="running", progress=0.2, outcome="done")
    creatify_sandbox.add_job(name="Finished long ago", status="done")
    sync_aurora_flows()
    page = admin_page

    page.goto(page.base + CHANGELIST)
    row = page.locator("#result_list tbody tr", has_text="Live one")
    label = row.locator(".creatify-progress-label")
    expect()(label).to_have_text("20%")
    page.evaluate("window.__sameDocument = 'still here'")

    # Creatify moves on; the site's periodic refresh (Celery beat in production) runs.
    creatify_sandbox.advance(5)
    refresh_active_aurora_flows()
    moved = AuroraFlow.objects.get(pk=job["id"])
    assert moved.status == "running" and moved.progress_percent > 20
    expect()(label).to_have_text(f"{moved.progress_percent:.0f}%")
    expect()(row.locator("progress")).to_have_js_property("value", moved.progress_percent)

    creatify_sandbox.update_job(job["id"], status="done")
    refresh_active_aurora_flows()
    expect()(row.locator(".creatify-badge")).to_have_text("Done")
    expect()(row.locator(".creatify-badge")).to_have_class(re.compile(r"creatify-badge--done"))
    expect()(label).to_have_text("100%")
    # Nothing active is left on screen, so polling stops.
    expect()(page.locator('[data-creatify-active="true"]')).to_have_count(0)
    assert page.evaluate("window.__sameDocument") == "still here"


def test_add_a_job_from_the_admin(admin_page, creatify_sandbox, staff_user):
    page = admin_page
    page.goto(page.base + CHANGELIST + "add/")
    page.fill("#id_audio", f"{creatify_sandbox.url}/media/audio.wav")
    page.fill("#id_image", f"{creatify_sandbox.url}/media/image.gif")
    page.fill("#id_name", "From the browser")
    page.select_option("#id_model_version", "aurora_v1_fast")
    page.get_by_role("button", name="Create at Creatify").click()
    expect()(page.locator(".errorlist")).to_contain_text("png")
    assert AuroraFlow.objects.count() == 0

    page.fill("#id_image", f"{creatify_sandbox.url}/media/image.png")
    page.get_by_role("button", name="Create at Creatify").click()
    expect()(page.locator(".messagelist .success")).to_contain_text(
        "Created From the browser at Creatify"
    )
    flow = AuroraFlow.objects.get()
    assert flow.created_by_id == staff_user.pk and flow.model_version == "aurora_v1_fast"
    expect()(page).to_have_url(re.compile(rf"/{flow.pk}/change/$"))


def test_overview_page(admin_page, creatify_sandbox):
    creatify_sandbox.add_jobs(20, seed=3)
    page = admin_page
    page.goto(page.base + CHANGELIST)
    page.get_by_role("button", name="Sync all now").click()
    page.get_by_role("link", name="Overview").click()
    expect()(page.locator("h1")).to_have_text("Aurora overview")
    expect()(page.locator("svg .creatify-chart-bar")).to_have_count(30)
    expect()(page.locator(".creatify-status-card")).to_have_count(6)
    expect()(page.locator(".creatify-facts")).to_contain_text("created 20")


def test_hostile_payloads_never_run(admin_page, creatify_sandbox):
    """An XSS corpus as names, failure reasons and URLs: no dialog, no dangerous link."""
    assert VECTOR_COUNT >= 20
    hostile_jobs(creatify_sandbox)
    sync_aurora_flows()
    page = admin_page
    pages = [CHANGELIST, CHANGELIST + "overview/"]
    pages += [f"{CHANGELIST}{pk}/change/" for pk in AuroraFlow.objects.values_list("pk", flat=True)]
    for path in pages:
        page.goto(page.base + path)
        page.wait_for_load_state("load")
        # Open every collapsible and focus every field, so handlers that need it would fire.
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert page.dialogs == [], (path, page.dialogs)
        found = page.evaluate(
            """(attributes) => {
                const bad = [];
                for (const el of document.querySelectorAll('*')) {
                    for (const attr of el.attributes) {
                        if (attr.name.startsWith('on')) bad.push(`${el.tagName} ${attr.name}`);
                        if (attributes.includes(attr.name)) bad.push(`${attr.name}=${attr.value}`);
                    }
                }
                return bad;
            }""",
            list(URL_ATTRIBUTES),
        )
        handlers = [item for item in found if " on" in item]
        assert handlers == [], (path, handlers)
        urls = [item.split("=", 1)[1] for item in found if " on" not in item]
        assert not [url for url in urls if DANGEROUS_SCHEME.match(url)], path
        for tag in ("iframe", "object", "embed", "marquee", "math"):
            expect()(page.locator(tag)).to_have_count(0)
    assert page.dialogs == []
