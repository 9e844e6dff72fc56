"""Every family's admin pages, one set of tests over the families: the changelist, the
change page, filters, search bounds, query counts, hiding a disabled family, the overview
and the webhook log's family. Rows come from documented payloads through the sync."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from django.utils.text import capfirst

from django_creatify.families import FAMILIES, get_family
from django_creatify.models import WebhookEvent
from django_creatify.sync import apply_payloads
from tests.job_payloads import HOSTILE_TEXT, HOSTILE_URL, hostile, payload, payloads
from tests.test_admin_xss import assert_nothing_injected, elements

pytestmark = pytest.mark.django_db

FAMILY_NAMES = list(FAMILIES)


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def admin_url(family: str) -> str:
    return f"/admin/django_creatify/{get_family(family).model._meta.model_name}/"


def mirror(family: str, items: list[dict]) -> None:
    result = apply_payloads(family, items)
    assert result.skipped == 0, result.skipped_items


def html_of(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


def row_count(html: str) -> int:
    return html.count('name="_selected_action"')


@pytest.fixture(params=FAMILY_NAMES)
def family(request) -> str:
    return request.param


# -- changelist ---------------------------------------------------------------------------


def test_changelist_shows_every_status_with_badges_progress_and_media(admin_client, family):
    jobs = payloads(family, 6)
    mirror(family, jobs)
    html = html_of(admin_client, admin_url(family))
    assert row_count(html) == 6
    for status in ("pending", "in_queue", "running", "done", "failed", "rejected"):
        assert f'class="creatify-badge creatify-badge--{status}"' in html
    running = next(job for job in jobs if job["status"] == "running")
    assert re.search(
        r'<progress class="creatify-progress creatify-progress--running" max="100" value="45"',
        html,
    ), "progress as a fraction, a percentage or a string all show as 45%"
    badge = 'data-creatify-flow="{}" data-creatify-role="badge" data-creatify-active="true"'
    assert badge.format(running["id"]) in html
    done = next(job for job in jobs if job["status"] == "done")
    output = done[get_family(family).output_field]
    # The still links to the video; before there is one, to the preview.
    assert f'class="creatify-media-link creatify-media-link--video" href="{output}"' in html
    thumb = done.get("video_thumbnail") or done.get("image")
    if thumb:
        assert f'<img class="creatify-thumb" src="{thumb}"' in html
    preview = payload(family, 6, "done", **{get_family(family).output_field: None})
    mirror(family, [preview])
    html = html_of(admin_client, admin_url(family))
    link = f'class="creatify-media-link creatify-media-link--preview" href="{preview["preview"]}"'
    assert link in html
    assert 'id="creatify-poll"' in html and "Sync all now" in html
    assert f"<h1>{get_family(family).model._meta.verbose_name_plural}</h1>" in html


def test_hostile_text_is_escaped_and_hostile_urls_are_not_links(admin_client, family):
    url = admin_url(family)
    baseline_list = sum(1 for tag, _ in elements(html_of(admin_client, url)) if tag == "script")
    jobs = [hostile(family, index, status) for index, status in enumerate(("failed", "done"))]
    mirror(family, jobs)
    html = html_of(admin_client, url)
    assert_nothing_injected(html, baseline_list)
    assert HOSTILE_TEXT not in html and escape(HOSTILE_TEXT) in html
    assert HOSTILE_URL not in html

    for job in jobs:
        page = html_of(admin_client, f"{url}{job['id']}/change/")
        baseline = sum(1 for tag, _ in elements(page) if tag == "script")
        assert_nothing_injected(page, baseline)
        assert HOSTILE_TEXT not in page and escape(HOSTILE_TEXT) in page
        assert "Not shown: not an http(s) URL" in page
        for tag, attrs in elements(page):
            for name in ("href", "src", "poster"):
                assert not (attrs.get(name) or "").startswith("javascript:"), (tag, attrs)


# -- change page ----------------------------------------------------------------------------


def test_change_page_plays_the_video_and_shows_json_and_the_editor_link(admin_client, family):
    job = payload(family, 0, "done")
    mirror(family, [job])
    html = html_of(admin_client, f"{admin_url(family)}{job['id']}/change/")
    output = job[get_family(family).output_field]
    assert re.search(
        r'<video class="creatify-player creatify-player--video" controls[^>]* src="'
        + re.escape(output)
        + '"',
        html,
    )
    # The preview is a video file here, so it plays too.
    assert re.search(r'creatify-player--preview"[^>]* src="' + re.escape(job["preview"]), html)
    assert f'href="{job["editor_url"]}"' in html and re.search(r"expires in 2[34] h", html)
    for name in get_family(family).json_fields:
        document = json.dumps(job[name], indent=2, sort_keys=True)
        assert f'<pre class="creatify-json">{escape(document)}</pre>' in html
    for name, kind in (("video_thumbnail", "image"), ("audio_url", "audio"), ("audio", "audio")):
        if name in job:
            assert f'<{"img" if kind == "image" else "audio"} class="creatify-{kind}' in html
            assert f'src="{job[name]}"' in html
    assert '<details class="creatify-raw">' in html
    assert 'name="_save"' not in html and "Refresh from Creatify" in html


def test_a_preview_that_is_a_page_is_a_link_not_a_player(admin_client, family):
    page = "https://app.creatify.ai/preview/abc?job=1"
    job = payload(family, 0, "done", preview=page)
    mirror(family, [job])
    html = html_of(admin_client, f"{admin_url(family)}{job['id']}/change/")
    assert "creatify-player--preview" not in html
    assert f'href="{escape(page)}"' in html and "Open the preview" in html
    assert "<iframe" not in html


def test_rows_cannot_be_edited_or_deleted(admin_client, family):
    job = payload(family, 0, "done")
    mirror(family, [job])
    url = f"{admin_url(family)}{job['id']}/"
    assert admin_client.post(url + "change/", {"name": "Changed"}).status_code == 403
    assert admin_client.post(url + "delete/", {"post": "yes"}).status_code == 403
    assert get_family(family).model.objects.get(pk=job["id"]).name == job["name"]


# -- filters and search --------------------------------------------------------------------


FILTERS = [
    ("aurora", "model_version__exact", "aurora_v1_fast", 3),
    ("aurora", "is_hidden__exact", "1", 1),
    ("lipsyncs", "model_version", "standard", 3),
    ("lipsyncs", "aspect_ratio", "9x16", 2),
    ("lipsyncs", "is_hidden__exact", "1", 1),
    ("lipsyncs_v2", "model_version", "aurora_v1_fast", 3),
    ("lipsyncs_v2", "aspect_ratio", "1x1", 2),
    ("ai_shorts", "aspect_ratio", "16x9", 2),
    ("ai_shorts", "style", "Kawaii", 2),
    ("ai_shorts", "is_hidden__exact", "1", 1),
]


@pytest.mark.parametrize(("family_name", "parameter", "value", "expected"), FILTERS)
def test_filters_on_the_choice_like_columns(admin_client, family_name, parameter, value, expected):
    mirror(family_name, payloads(family_name, 6))
    with CaptureQueriesContext(connection) as queries:
        html = html_of(admin_client, admin_url(family_name), **{parameter: value})
    assert row_count(html) == expected
    # Drawing the filters reads no column's values.
    assert not any("DISTINCT" in query["sql"] for query in queries)


def test_other_values_and_statuses_have_a_filter_of_their_own(admin_client, family):
    mirror(family, [payload(family, 0, "brand_new_status", name="Odd one"), payload(family, 1)])
    html = html_of(admin_client, admin_url(family), status="_other")
    assert row_count(html) == 1 and "Odd one" in html and "creatify-badge--other" in html
    if "aspect_ratio" in get_family(family).fields:
        mirror(family, [payload(family, 2, aspect_ratio="21x9", name="Wide one")])
        html = html_of(admin_client, admin_url(family), aspect_ratio="_other")
        assert row_count(html) == 1 and "Wide one" in html


def test_search_by_name_or_exact_id_and_its_bounds(admin_client, family):
    jobs = payloads(family, 4)
    mirror(family, jobs)
    url = admin_url(family)
    assert row_count(html_of(admin_client, url, q=jobs[2]["id"])) == 1
    assert row_count(html_of(admin_client, url, q="job 3")) == 1
    assert row_count(html_of(admin_client, url, q="not-a-uuid")) == 0
    for huge in ("x" * 5000, " ".join(["word"] * 50)):
        response = admin_client.get(url, {"q": huge})
        assert response.status_code == 200
        assert row_count(response.content.decode()) == 0
        (message,) = [str(m) for m in get_messages(response.wsgi_request)]
        assert message.startswith("Search for at most")


# -- query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?status=done", "?q=job", "?o=-2", "?all="])
def test_changelist_queries_do_not_grow_with_rows(admin_client, family, query):
    mirror(family, payloads(family, 10))
    with CaptureQueriesContext(connection) as small:
        html_of(admin_client, admin_url(family) + query)
    mirror(family, payloads(family, 290, start=10))
    with CaptureQueriesContext(connection) as large:
        html_of(admin_client, admin_url(family) + query)
    assert len(small) == len(large), "\n".join(q["sql"] for q in large)
    table = get_family(family).model._meta.db_table
    # The payload columns are never read for a list (the page's rows, bounds, counts).
    reads = [q["sql"] for q in large if f'FROM "{table}"' in q["sql"]]
    assert reads and not any('"raw"' in sql for sql in reads)


def test_poll_reads_status_and_progress_from_the_database(admin_client, family):
    job = payload(family, 2, "running")
    mirror(family, [job])
    response = admin_client.get(admin_url(family) + "poll/", {"ids": job["id"]})
    (row,) = response.json()["flows"]
    assert row["status"] == "running" and row["progress_label"] == "45%"


# -- only enabled families -------------------------------------------------------------------


def test_a_disabled_family_is_hidden_and_its_pages_refuse(admin_client, settings, family):
    others = [name for name in FAMILY_NAMES if name != family]
    settings.CREATIFY = {**settings.CREATIFY, "FAMILIES": others}
    index = html_of(admin_client, "/admin/")
    model = get_family(family).model
    assert f'href="{admin_url(family)}"' not in index
    assert str(capfirst(model._meta.verbose_name_plural)) not in index
    assert all(f'href="{admin_url(name)}"' in index for name in others)
    assert admin_client.get(admin_url(family)).status_code == 403
    assert admin_client.get(admin_url(family) + "add/").status_code == 403
    assert admin_client.post(admin_url(family) + "sync/").status_code == 403

    settings.CREATIFY = {**settings.CREATIFY, "FAMILIES": [family]}
    assert f'href="{admin_url(family)}"' in html_of(admin_client, "/admin/")


# -- overview and webhook log ----------------------------------------------------------------


def test_overview_counts_every_enabled_family_by_status(admin_client, family):
    for name in FAMILY_NAMES:
        mirror(name, payloads(name, 6 + FAMILY_NAMES.index(name)))
    with CaptureQueriesContext(connection) as queries:
        html = html_of(admin_client, admin_url(family) + "overview/")
    assert f"<h1>{get_family(family).label} overview</h1>" in html
    for position, name in enumerate(FAMILY_NAMES):
        # Six jobs of every status in turn, then one more pending per position.
        assert f'data-family-status="{name}:done">' in html
        total = re.search(rf'data-family-total="{name}"><a href="[^"]+">(\d+)<', html)
        assert total and int(total.group(1)) == 6 + position
        assert f'href="{admin_url(name)}?status=pending"' in html
    more = payloads(family, 300, start=50)
    mirror(family, more)
    with CaptureQueriesContext(connection) as after:
        html_of(admin_client, admin_url(family) + "overview/")
    assert len(after) == len(queries)


def test_overview_shows_only_enabled_families(admin_client, settings):
    settings.CREATIFY = {**settings.CREATIFY, "FAMILIES": ["aurora", "ai_shorts"]}
    html = html_of(admin_client, admin_url("ai_shorts") + "overview/")
    assert 'data-family-total="aurora"' in html and 'data-family-total="ai_shorts"' in html
    assert 'data-family-total="lipsyncs"' not in html


def test_webhook_log_shows_and_filters_the_family(admin_client):
    for family_name in ("aurora", "lipsyncs", "lipsyncs", ""):
        WebhookEvent.objects.create(family=family_name, outcome="refreshed")
    url = "/admin/django_creatify/webhookevent/"
    with CaptureQueriesContext(connection) as queries:
        html = html_of(admin_client, url)
    assert "column-family" in html and not any("DISTINCT" in q["sql"] for q in queries)
    assert row_count(html_of(admin_client, url, family="lipsyncs")) == 2
    assert row_count(html_of(admin_client, url, family="_unknown")) == 1
    assert "Lipsync v2" in html and "Not known yet" in html
