"""Every family's admin shows each value once and honestly: one empty mark for what is
absent or not known yet, no 0 for a running job's duration or credits, a failure reason
once and only when something failed, and jobs Creatify no longer lists flagged, filtered
and polled. Rows come from documented payloads through the sync."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from django_creatify.admin.display import EMPTY_TEXT
from django_creatify.admin.live import POLL_MAX_IDS
from django_creatify.families import FAMILIES, get_family
from django_creatify.sync import apply_payloads
from tests.admin_support import admin_url
from tests.job_payloads import HOSTILE_URL, payload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_admin_cache")]

FAMILY_NAMES = list(FAMILIES)
EMPTY_MARK = f'<span class="creatify-empty" title="none">{EMPTY_TEXT}</span>'
READONLY = re.compile(r'<div class="readonly">(.*?)</div>', re.S)
FORM_ROW = re.compile(r'class="form-row[^"]*\bfield-(\w+)')


def mirror(family: str, *jobs: dict) -> None:
    result = apply_payloads(family, list(jobs))
    assert result.skipped == 0, result.skipped_items


def html_of(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


def change_page(client, family: str, job: dict) -> str:
    return html_of(client, f"{admin_url(family)}{job['id']}/change/")


def row_of(html: str, job_id: str) -> str:
    """The changelist's row of one job."""
    rows = re.findall(r"<tr>.*?</tr>", html, re.S)
    (row,) = [row for row in rows if f'value="{job_id}"' in row]
    return row


def cell(row: str, column: str) -> str:
    match = re.search(rf'<td class="field-{column}[^"]*">(.*?)</td>', row, re.S)
    assert match, column
    return match.group(1)


def without_raw_payload(page: str) -> str:
    """The page as read, without the folded payload Creatify sent (it repeats every field)."""
    return re.sub(r'<details class="creatify-raw">.*?</details>', "", page, flags=re.S)


def set_missing(family: str, job: dict, when=None) -> None:
    # Test data: what a complete listing without this job would leave behind.
    model = get_family(family).model
    model.objects.filter(pk=job["id"]).update(missing_since=when or timezone.now())


# -- the empty mark -------------------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_a_running_jobs_duration_and_credits_are_the_empty_mark_not_zero(admin_client, family):
    running = payload(family, 0, "running")
    assert running["duration"] == 0 and running["credits_used"] == 0  # as Creatify sends
    done = payload(family, 1, "done")
    mirror(family, running, done)

    row = row_of(html_of(admin_client, admin_url(family)), running["id"])
    for column, role in (("duration_column", "duration"), ("credits_column", "credits")):
        value = cell(row, column)
        assert f'data-creatify-role="{role}" title="none">{EMPTY_TEXT}</span>' in value
        assert ">0<" not in value and "0.0" not in value
    finished = row_of(html_of(admin_client, admin_url(family)), done["id"])
    assert ">12\xa0s<" in cell(finished, "duration_column")
    assert ">10<" in cell(finished, "credits_column")

    page = change_page(admin_client, family, running)
    values = dict(zip(FORM_ROW.findall(page), READONLY.findall(page), strict=True))
    assert values["duration_display"].strip() == EMPTY_MARK
    assert values["credits_display"].strip() == EMPTY_MARK
    assert "Duration (s)" not in page and "duration" not in FORM_ROW.findall(page)


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_every_absent_value_on_a_job_page_is_the_one_empty_mark(admin_client, family):
    job = payload(family, 0, "pending", name=None)
    mirror(family, job)
    page = change_page(admin_client, family, job)
    values = [value.strip() for value in READONLY.findall(page)]
    # Django's own empty display ("-") never shows; absent values are the one mark.
    assert "-" not in values and "" not in values
    assert values.count(EMPTY_MARK) >= 4  # name, duration, credits, video at least
    assert all(
        value == EMPTY_MARK or EMPTY_TEXT not in re.sub(r"<[^>]+>", "", value) for value in values
    ), "an en dash outside the empty mark"


def test_the_overview_marks_what_never_happened_with_the_empty_mark(admin_client):
    html = html_of(admin_client, admin_url("aurora") + "overview/")
    facts = html[html.index('class="creatify-facts"') :]
    assert facts.count(EMPTY_MARK) == 2  # no write from Creatify, no sync from the admin
    assert ">never<" not in facts and "none recorded" not in facts


# -- the failure reason ---------------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILY_NAMES)
@pytest.mark.parametrize("status", ["failed", "rejected"])
def test_a_failure_reason_is_shown_once(admin_client, family, status):
    job = payload(family, 0, status, failed_reason="The audio <track> is silent.")
    mirror(family, job)
    page = without_raw_payload(change_page(admin_client, family, job))
    assert page.count("The audio &lt;track&gt; is silent.") == 1
    assert 'class="creatify-callout creatify-callout--error" role="alert"' in page
    assert "failed_reason" not in "".join(FORM_ROW.findall(page))
    assert "Failed reason" not in page


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_a_failure_without_a_reason_says_so(admin_client, family):
    job = payload(family, 0, "failed", failed_reason="")
    mirror(family, job)
    page = change_page(admin_client, family, job)
    assert "Failed at Creatify:" in page and "no reason given." in page


@pytest.mark.parametrize("family", FAMILY_NAMES)
@pytest.mark.parametrize("status", ["pending", "running", "done"])
def test_no_failure_row_or_notice_when_nothing_failed(admin_client, family, status):
    job = payload(family, 0, status)
    mirror(family, job)
    page = change_page(admin_client, family, job)
    assert "Failed reason" not in page and "creatify-callout--error" not in page


# -- jobs Creatify no longer lists ----------------------------------------------------------


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_the_listed_filter_separates_missing_jobs(admin_client, family):
    listed, missing = payload(family, 0, "done"), payload(family, 1, "done")
    mirror(family, listed, missing)
    set_missing(family, missing)
    html = html_of(admin_client, admin_url(family))
    assert "By listed by Creatify" in html
    assert 'href="?listed=missing"' in html and 'href="?listed=yes"' in html

    only_missing = html_of(admin_client, admin_url(family), listed="missing")
    assert f'value="{missing["id"]}"' in only_missing
    assert f'value="{listed["id"]}"' not in only_missing
    only_listed = html_of(admin_client, admin_url(family), listed="yes")
    assert f'value="{listed["id"]}"' in only_listed
    assert f'value="{missing["id"]}"' not in only_listed


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_a_missing_job_is_flagged_on_its_row_and_its_page(admin_client, family):
    listed, missing = payload(family, 0, "done"), payload(family, 1, "running")
    mirror(family, listed, missing)
    set_missing(family, missing, timezone.now() - timedelta(hours=3))
    html = html_of(admin_client, admin_url(family))

    flag = re.compile(
        r'<span class="creatify-flag creatify-flag--missing" data-creatify-flow="([^"]+)"'
        r' data-creatify-role="missing" title="([^"]*)"( hidden)?>missing'
        r'<span class="creatify-visually-hidden">: no longer listed by Creatify</span></span>'
    )
    flags = {job_id: (title, hidden) for job_id, title, hidden in flag.findall(html)}
    assert flags[listed["id"]] == ("", " hidden")
    title, hidden = flags[missing["id"]]
    assert hidden == "" and title.startswith("No longer listed by Creatify since ")

    page = change_page(admin_client, family, missing)
    (status_row,) = [
        value
        for name, value in zip(FORM_ROW.findall(page), READONLY.findall(page), strict=True)
        if name == "status_display"
    ]
    assert flag.search(status_row).group(3) is None  # shown beside the status
    assert page.count("Creatify no longer lists this job (since ") == 1
    assert "field-missing_since" not in page  # the date is told once, at the top


# -- the poll endpoint -----------------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_the_poll_sends_every_value_a_row_can_change(admin_client, family):
    running, done = payload(family, 0, "running"), payload(family, 1, "done")
    mirror(family, running, done)
    set_missing(family, done)
    response = admin_client.get(
        admin_url(family) + "poll/", {"ids": f"{running['id']},{done['id']}"}
    )
    flows = {flow["id"]: flow for flow in response.json()["flows"]}
    assert (flows[running["id"]]["duration"], flows[running["id"]]["credits"]) == (None, None)
    assert flows[running["id"]]["missing"] is False
    finished = flows[done["id"]]
    assert (finished["duration"], finished["credits"]) == ("12\xa0s", "10")
    assert finished["missing"] is True and finished["missing_title"]
    output = done[get_family(family).output_field]
    assert finished["media"]["kind"] == "video" and finished["media"]["url"] == output


def test_the_poll_is_bounded_escaped_and_links_only_http(admin_client):
    reason = "<img src=x onerror=alert(1)> & " + "x" * 5000
    job = payload("aurora", 0, "failed", failed_reason=reason, image=HOSTILE_URL)
    done = payload("aurora", 1, "done", video_output=HOSTILE_URL, preview=HOSTILE_URL)
    mirror("aurora", job, done)
    response = admin_client.get(admin_url("aurora") + "poll/", {"ids": f"{job['id']},{done['id']}"})
    assert response["Content-Type"] == "application/json"
    body = response.content.decode()
    assert "<" not in body and ">" not in body and "&" not in body
    assert "\\u003Cimg src=x onerror=alert(1)\\u003E \\u0026 " in body
    flows = {flow["id"]: flow for flow in response.json()["flows"]}
    assert len(flows[job["id"]]["failed_reason"]) <= 500
    assert flows[job["id"]]["media"] == {
        "kind": "",
        "url": None,
        "poster": None,
        "label": "",
        "title": "",
    }
    assert flows[done["id"]]["media"]["url"] is None
    assert HOSTILE_URL not in body

    too_many = ",".join(str(uuid.uuid4()) for _ in range(POLL_MAX_IDS + 1))
    assert admin_client.get(admin_url("aurora") + "poll/", {"ids": too_many}).status_code == 400


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_a_job_page_never_shows_the_sites_webhook_secret(admin_client, settings, family):
    secret = "admin-page-webhook-secret-0123456789"
    settings.CREATIFY = {**settings.CREATIFY, "WEBHOOK_SECRET": secret}
    url = f"https://site.example/creatify/webhook/{secret}/"
    job = payload(family, status="done", webhook_url=url)
    mirror(family, job)
    page = change_page(admin_client, family, job)
    assert secret not in page
    # Shown redacted, both as the field and in the payload Creatify sent.
    assert page.count("https://site.example/creatify/webhook/[redacted]/") == 2
