"""The AuroraFlow admin's list pages: the changelist (query counts that do not grow with
the rows, columns, filters, search), the poll endpoint its script reads, the overview, and
counting and the date hierarchy without scanning the table."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_creatify.admin.flows import AuroraFlowAdmin
from django_creatify.families import get_family
from django_creatify.models import AuroraFlow
from django_creatify.paginator import EstimatedCountPaginator
from django_creatify.sync import apply_payloads, sync_aurora_flows
from tests.admin_support import ADMIN, make_rows
from tests.job_payloads import payload

pytestmark = pytest.mark.usefixtures("clear_admin_cache")


def changelist_queries(client, url: str = ADMIN) -> tuple[int, list[str], str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), [query["sql"] for query in queries], response.content.decode()


# -- changelist ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "",
        "?status=running",
        "?status=_other",
        "?model_version__exact=aurora_v1_fast&is_hidden__exact=0",
        "?q=Row",
        "?o=-3",
        "?created_at__year=" + str(timezone.now().year),
        "?all=",
    ],
)
def test_changelist_queries_do_not_grow_with_rows(admin_client, query):
    """Same number of queries for 10 rows and for 1,000 (per filter, search, sort, drill-down)."""
    make_rows(10)
    small, _, _ = changelist_queries(admin_client, ADMIN + query)
    make_rows(990, start=10)
    large, sql, large_html = changelist_queries(admin_client, ADMIN + query)
    assert small == large, "\n".join(sql)
    # Every row has a known status, so only the "other statuses" filter shows none.
    assert ("creatify-badge" in large_html) is (query != "?status=_other")
    print(f"changelist{query or ' (no filter)'}: {large} queries for 10 and for 1,000 rows")


@pytest.mark.django_db
def test_changelist_query_count_is_small_and_reads_no_raw_payload(admin_client):
    make_rows(1000)
    count, sql, html = changelist_queries(admin_client)
    # session + user, the page's count, the date hierarchy (2), the page itself.
    assert count <= 6, "\n".join(sql)
    page_query = next(query for query in sql if "LIMIT" in query and "auroraflow" in query)
    assert '"raw"' not in page_query
    # No COUNT(*) of the unfiltered table beside the filtered one.
    assert sum("COUNT(*)" in query for query in sql) == 1
    assert html.count('class="creatify-badge ') == 50


@pytest.mark.django_db
def test_changelist_columns(admin_client, creatify_sandbox):
    done = creatify_sandbox.add_job(name="Finished one", status="done", model_version="aurora_v1")
    running = creatify_sandbox.add_job(name="Halfway", status="running", progress=0.45)
    failed = creatify_sandbox.add_job(name="Broken", status="failed", failed_reason="No face <b>")
    nameless = creatify_sandbox.add_job(name=None, status="pending")
    sync_aurora_flows()
    html = admin_client.get(ADMIN).content.decode()

    assert 'class="creatify-badge creatify-badge--done"' in html
    assert re.search(r'creatify-badge--running"[^>]*>Running<', html)
    assert re.search(
        r'<progress class="creatify-progress creatify-progress--running" max="100" value="45"', html
    )
    assert ">45%<" in html
    assert 'title="No face &lt;b&gt;"' in html  # the failure reason on hover, escaped
    assert nameless["id"] in html  # no name: the id stands in
    assert f'src="{done["image"]}"' in html  # the thumbnail
    assert "Finished one" in html and "Halfway" in html and failed["id"] in html
    # Unfinished jobs are marked for the poller; finished ones are not.
    badge = 'data-creatify-flow="{}" data-creatify-role="badge" data-creatify-active="{}"'
    assert badge.format(running["id"], "true") in html
    assert badge.format(done["id"], "false") in html
    assert 'id="creatify-poll"' in html and "/static/django_creatify/changelist.js" in html
    assert "Sync all now" in html and f"{ADMIN}overview/" in html


@pytest.mark.django_db
def test_the_job_cell_links_to_its_page_with_the_lists_filters(admin_client, creatify_sandbox):
    named = creatify_sandbox.add_job(name="Named <one>", status="done")
    nameless = creatify_sandbox.add_job(name=None, status="done")
    sync_aurora_flows()
    html = admin_client.get(ADMIN, {"status": "done"}).content.decode()
    filters = "?_changelist_filters=status%3Ddone"
    # The link holds the name only: flags and folded values sit beside it, not inside.
    link = (
        f'<a class="creatify-job-link" href="{ADMIN}{named["id"]}/change/{filters}"'
        ' title="Named &lt;one&gt;"><span class="creatify-name">Named &lt;one&gt;</span></a>'
    )
    assert link in html
    assert f'<span class="creatify-job-id" title="{named["id"]}">{named["id"]}</span>' in html
    # Without a name the id is the link's text, and not repeated below it.
    nameless_link = f'<span class="creatify-name creatify-name--id">{nameless["id"]}</span></a>'
    assert nameless_link in html
    assert f'title="{nameless["id"]}">{nameless["id"]}</span>' not in html
    # A popup (a raw id lookup) keeps Django's own link, which hands the row back.
    popup = admin_client.get(ADMIN, {"_popup": "1"}).content.decode()
    assert "creatify-job-link" not in popup and "data-popup-opener" in popup


@pytest.mark.django_db
def test_the_settings_column_is_named_by_what_it_holds(admin_client):
    headers = {
        "aurora": "Model",
        "lipsyncs": "Model · ratio",
        "lipsyncs_v2": "Model · ratio",
        "ai_shorts": "Ratio · style",
    }
    for family, header in headers.items():
        apply_payloads(family, [payload(family, 0, "done")])
        url = f"/admin/django_creatify/{get_family(family).model._meta.model_name}/"
        html = admin_client.get(url).content.decode()
        column = re.search(
            r'<th scope="col" class="[^"]*column-settings_column.*?</th>', html, re.S
        )
        assert column and f">{header}<" in column.group(0), (family, column)


@pytest.mark.django_db
def test_status_filter_and_search(admin_client, creatify_sandbox):
    creatify_sandbox.add_jobs(3, status="done")
    failed = creatify_sandbox.add_jobs(2, status="failed")
    creatify_sandbox.add_job(name="Odd one", status="brand_new_status")
    sync_aurora_flows()

    html = admin_client.get(ADMIN, {"status": "failed"}).content.decode()
    assert html.count("creatify-badge--failed") == 2
    assert "creatify-badge--done" not in html

    other = admin_client.get(ADMIN, {"status": "_other"}).content.decode()
    assert "Odd one" in other and "brand_new_status" in other
    assert "creatify-badge--other" in other

    by_id = admin_client.get(ADMIN, {"q": failed[0]["id"]}).content.decode()
    assert by_id.count('name="_selected_action"') == 1
    by_name = admin_client.get(ADMIN, {"q": "Odd"}).content.decode()
    assert by_name.count('name="_selected_action"') == 1
    # A term that is not a UUID searches names only; never an error.
    assert admin_client.get(ADMIN, {"q": "not-a-uuid"}).status_code == 200


# -- poll endpoint ------------------------------------------------------------------------


@pytest.mark.django_db
def test_poll_returns_status_and_progress_from_the_database(admin_client, creatify_sandbox):
    job = creatify_sandbox.add_job(name="Moving", status="running", progress=0.3)
    sync_aurora_flows()
    creatify_sandbox.clear_requests()
    response = admin_client.get(ADMIN + "poll/", {"ids": f"{job['id']},{uuid.uuid4()}"})
    assert response.status_code == 200
    assert response.json() == {
        "flows": [
            {
                "id": job["id"],
                "status": "running",
                "status_css": "running",
                "status_label": "Running",
                "is_finished": False,
                "progress_percent": 30.0,
                "progress_label": "30%",
                "failed_reason": "",
                # Not known while the job runs: the page's empty mark, not 0.
                "duration": None,
                "credits": None,
                "missing": False,
                "missing_title": "",
                "media": {
                    "kind": "",
                    "url": None,
                    "poster": job["image"],
                    "label": "",
                    "title": "",
                },
            }
        ]
    }
    assert creatify_sandbox.requests == []  # never a remote call
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_poll_costs_the_same_queries_for_1_or_200_ids(admin_client):
    make_rows(200)
    ids = [str(pk) for pk in AuroraFlow.objects.values_list("pk", flat=True)]
    with CaptureQueriesContext(connection) as one:
        admin_client.get(ADMIN + "poll/", {"ids": ids[0]})
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(ADMIN + "poll/", {"ids": ",".join(ids)})
    assert len(response.json()["flows"]) == 200
    assert len(one) == len(many)


@pytest.mark.django_db
def test_poll_rejects_bad_input_and_strangers(admin_client, client, django_user_model):
    assert admin_client.get(ADMIN + "poll/", {"ids": "nope"}).status_code == 400
    too_many = ",".join(str(uuid.uuid4()) for _ in range(501))
    assert admin_client.get(ADMIN + "poll/", {"ids": too_many}).status_code == 400
    assert admin_client.get(ADMIN + "poll/").json() == {"flows": []}
    # Anonymous and non-staff users get the login page, never data.
    response = client.get(ADMIN + "poll/", {"ids": str(uuid.uuid4())})
    assert response.status_code == 302 and "/admin/login/" in response.url
    client.force_login(django_user_model.objects.create_user("plain", password="pw"))
    assert client.get(ADMIN + "poll/").status_code == 302


# -- overview -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_overview_page(admin_client, creatify_sandbox):
    now = timezone.now()
    make_rows(12)
    # Two days with known credits.
    AuroraFlow.objects.filter(status="done").update(created_at=now - timedelta(days=3))
    response = admin_client.post(ADMIN + "sync/")  # a recorded admin sync (against the sandbox)
    html = admin_client.get(ADMIN + "overview/").content.decode()

    assert "Jobs by status" in html
    assert re.search(r'data-status="done">2<', html)
    assert re.search(r'data-status="running">2<', html)
    assert html.count('class="creatify-chart-bar') == 30
    day = timezone.localdate(now - timedelta(days=3)).isoformat()
    assert f'data-day="{day}" data-credits="24"' in html
    assert "Last sync run from the admin" in html and "full sync" in html
    assert "created 0, updated 0, unchanged 0, skipped 0" in html
    assert response.status_code == 302


@pytest.mark.django_db
def test_overview_queries_do_not_grow(admin_client):
    make_rows(10)
    with CaptureQueriesContext(connection) as small:
        admin_client.get(ADMIN + "overview/")
    make_rows(990, start=10)
    with CaptureQueriesContext(connection) as large:
        admin_client.get(ADMIN + "overview/")
    assert len(small) == len(large)


def test_estimated_count_is_only_for_big_unfiltered_postgresql_tables():
    paginator = EstimatedCountPaginator(AuroraFlow.objects.filter(status="done"), 50)
    assert paginator._estimate() is None
    assert AuroraFlowAdmin.paginator is EstimatedCountPaginator
    assert AuroraFlowAdmin.show_full_result_count is False


@pytest.mark.django_db
@pytest.mark.parametrize("level", ["all", "year", "month", "day"])
def test_date_hierarchy_matches_djangos_without_distinct_scans(rf, admin_user, level):
    from django.contrib import admin
    from django.contrib.admin.templatetags.admin_list import date_hierarchy

    make_rows(1000)  # a row on every day of the last 900
    latest = timezone.localtime(AuroraFlow.objects.latest("created_at").created_at)
    params = {
        "all": {},
        "year": {"created_at__year": latest.year},
        "month": {"created_at__year": latest.year, "created_at__month": latest.month},
        "day": {
            "created_at__year": latest.year,
            "created_at__month": latest.month,
            "created_at__day": latest.day,
        },
    }[level]
    request = rf.get(ADMIN, params)
    request.user = admin_user
    changelist = AuroraFlowAdmin(AuroraFlow, admin.site).get_changelist_instance(request)
    with CaptureQueriesContext(connection) as queries:
        ours = changelist.date_hierarchy_choices()
    theirs = date_hierarchy(changelist)
    # Django 6 adds the field's name; 5.2 does not (ours always carries it).
    assert set(theirs) <= set(ours)
    if level == "month":
        # Django offers the days that hold rows; ours, every day from the first to the last.
        their_days, our_days = theirs.pop("choices"), ours.pop("choices")
        assert [day for day in our_days if day in their_days] == their_days
        numbers = [int(day["link"].split("created_at__day=")[1].split("&")[0]) for day in our_days]
        assert numbers == list(range(numbers[0], numbers[-1] + 1))
        assert (our_days[0], our_days[-1]) == (their_days[0], their_days[-1])
    assert {key: value for key, value in ours.items() if key in theirs} == theirs
    # The first and the last row, read from the index (two reads on SQLite, which scans
    # for MIN and MAX asked together): never a scan of every row.
    assert len(queries) <= (2 if connection.vendor == "sqlite" else 1)
    assert not any("DISTINCT" in query["sql"] for query in queries)


@pytest.mark.django_db
def test_big_unfiltered_list_on_postgresql_reads_the_planners_estimate(admin_client, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip(
            "the estimate is PostgreSQL's pg_class.reltuples (runs when DATABASE_URL is set)"
        )
    monkeypatch.setattr(EstimatedCountPaginator, "threshold", 100)
    make_rows(300)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {AuroraFlow._meta.db_table}")
    _, sql, html = changelist_queries(admin_client)
    assert not any("COUNT(*)" in query for query in sql), sql
    assert "300 results" in html or "300 Aurora videos" in html
    # A filter gets the exact count.
    _, sql, _ = changelist_queries(admin_client, ADMIN + "?status=done")
    assert sum("COUNT(*)" in query for query in sql) == 1
