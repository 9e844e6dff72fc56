"""The admin: a read-only mirror, constant query counts, actions through sync, and an add
form with the API's rules."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_creatify.admin import display
from django_creatify.admin.flows import AuroraFlowAdmin
from django_creatify.models import AuroraFlow
from django_creatify.paginator import EstimatedCountPaginator
from django_creatify.sandbox import Fault
from django_creatify.sync import sync_aurora_flows

ADMIN = "/admin/django_creatify/auroraflow/"
STATUSES = ("pending", "in_queue", "running", "done", "failed", "rejected")


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def make_rows(count: int, *, start: int = 0) -> None:
    """``count`` varied mirror rows straight into the table (test data, not a sync)."""
    now = timezone.now()
    rows = []
    for index in range(start, start + count):
        status = STATUSES[index % len(STATUSES)]
        flow_id = uuid.uuid4()
        rows.append(
            AuroraFlow(
                id=flow_id,
                # Spread over three years, for 10 rows as for 1,000, so that the date
                # hierarchy draws the same level (years) in both.
                created_at=now - timedelta(days=(index * 97) % 900, minutes=index),
                updated_at=now,
                name=f"Row {index}" if index % 5 else None,
                status=status,
                progress=0.5 if status == "running" else (1.0 if status == "done" else 0.0),
                model_version="aurora_v1_fast" if index % 3 == 0 else "aurora_v1",
                image=f"https://cdn.example.com/{flow_id}.png",
                video_output=f"https://cdn.example.com/{flow_id}.mp4" if status == "done" else None,
                duration=12 if status == "done" else 0,
                credits_used=12.0 if status == "done" else 0.0,
                failed_reason="No face was detected." if status == "failed" else "",
                is_hidden=index % 7 == 0,
                raw={"id": str(flow_id), "status": status, "padding": "x" * 500},
                synced_at=now,
            )
        )
    AuroraFlow.objects.bulk_create(rows, batch_size=500)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


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


# -- change view --------------------------------------------------------------------------


@pytest.mark.django_db
def test_done_job_page_plays_media_and_shows_the_editor_link(admin_client, creatify_sandbox):
    job = creatify_sandbox.add_job(name="Ready", status="done")
    sync_aurora_flows()
    flow = AuroraFlow.objects.get(pk=job["id"])
    html = admin_client.get(f"{ADMIN}{flow.pk}/change/").content.decode()

    assert re.search(
        r'<video class="creatify-player creatify-player--video" controls[^>]* src="'
        + re.escape(flow.video_output)
        + '"',
        html,
    )
    assert f'src="{flow.preview}"' in html
    assert f'<img class="creatify-image" src="{flow.image}"' in html
    assert f'<audio class="creatify-audio" controls preload="none" src="{flow.audio}"' in html
    assert f'href="{flow.editor_url}"' in html
    assert "expires in 23 h" in html or "expires in 24 h" in html
    assert '<details class="creatify-raw">' in html
    assert "&quot;status&quot;: &quot;done&quot;" in html  # pretty-printed, escaped
    # Read-only: no inputs for the mirror's fields, no save button.
    assert 'name="_save"' not in html
    assert "Refresh from Creatify" in html


@pytest.mark.django_db
def test_an_expired_editor_link_is_not_a_link(admin_client, creatify_sandbox):
    job = creatify_sandbox.add_job(name="Old", status="done")
    sync_aurora_flows()
    flow = AuroraFlow.objects.get(pk=job["id"])
    # Test data: pretend the link was received two days ago.
    AuroraFlow.objects.filter(pk=flow.pk).update(
        editor_url_fetched_at=timezone.now() - timedelta(days=2)
    )
    html = admin_client.get(f"{ADMIN}{flow.pk}/change/").content.decode()
    assert "creatify-expiry--expired" in html and ">expired<" in html
    assert f'href="{flow.editor_url}"' not in html


def test_expiry_text():
    now = timezone.now()
    assert display.expiry_text(now + timedelta(hours=5, minutes=30), now) == "expires in 5 h"
    assert display.expiry_text(now + timedelta(minutes=20), now) == "expires in 20 min"
    assert display.expiry_text(now - timedelta(seconds=1), now) == "expired"


@pytest.mark.django_db
def test_failed_reason_stands_out(admin_client, creatify_sandbox):
    job = creatify_sandbox.add_job(name="Nope", status="rejected", failed_reason="Moderation <x>")
    sync_aurora_flows()
    html = admin_client.get(f"{ADMIN}{job['id']}/change/").content.decode()
    assert 'class="creatify-callout creatify-callout--error" role="alert"' in html
    assert "Rejected by Creatify:" in html
    assert "Moderation &lt;x&gt;" in html and "Moderation <x>" not in html


@pytest.mark.django_db
def test_rows_cannot_be_edited_or_deleted(admin_client, creatify_sandbox):
    job = creatify_sandbox.add_job(name="Keep me", status="done")
    sync_aurora_flows()
    before = AuroraFlow.objects.values().get(pk=job["id"])
    response = admin_client.post(f"{ADMIN}{job['id']}/change/", {"name": "Changed"})
    assert response.status_code == 403
    assert admin_client.post(f"{ADMIN}{job['id']}/delete/", {"post": "yes"}).status_code == 403
    assert AuroraFlow.objects.values().get(pk=job["id"]) == before


# -- actions ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_refresh_action_reports_what_changed(admin_client, creatify_sandbox):
    jobs = creatify_sandbox.add_jobs(3, status="running", progress=0.2)
    sync_aurora_flows()
    creatify_sandbox.update_job(jobs[0]["id"], status="done")
    creatify_sandbox.clear_requests()

    response = admin_client.post(
        ADMIN,
        {"action": "refresh_selected", "_selected_action": [job["id"] for job in jobs]},
        follow=True,
    )
    assert response.status_code == 200
    assert messages_of(response) == [
        "Refreshed 3 jobs from Creatify: created 0, updated 1, unchanged 2, skipped 0 (1 request)."
    ]
    assert AuroraFlow.objects.get(pk=jobs[0]["id"]).status == "done"
    assert len(creatify_sandbox.requests) == 1


@pytest.mark.django_db
def test_refresh_action_sends_one_request_per_100_ids(admin_client, creatify_sandbox):
    creatify_sandbox.add_jobs(250, status="done")
    sync_aurora_flows()
    creatify_sandbox.clear_requests()
    response = admin_client.post(
        ADMIN,
        {
            "action": "refresh_selected",
            "select_across": "1",
            "index": "0",
            "_selected_action": ["x"],
        },
        follow=True,
    )
    assert "Refreshed 250 jobs" in messages_of(response)[0]
    assert "(3 requests)" in messages_of(response)[0]
    assert len(creatify_sandbox.requests) == 3
    assert all(request.path == "/api/aurora/" for request in creatify_sandbox.requests)


@pytest.mark.django_db
def test_refresh_reports_jobs_creatify_no_longer_returns(admin_client, creatify_sandbox):
    job = creatify_sandbox.add_job(name="Here", status="done")
    sync_aurora_flows()
    make_rows(1)  # a row Creatify never heard of
    ids = [str(pk) for pk in AuroraFlow.objects.values_list("pk", flat=True)]
    response = admin_client.post(
        ADMIN, {"action": "refresh_selected", "_selected_action": ids}, follow=True
    )
    text = messages_of(response)[0]
    assert "unchanged 1" in text and "1 job was not returned by Creatify" in text
    assert job["id"] in ids


@pytest.mark.django_db
def test_refresh_failure_is_an_error_message_without_the_key(
    admin_client, creatify_sandbox, settings
):
    creatify_sandbox.add_jobs(2, status="running")
    sync_aurora_flows()
    creatify_sandbox.inject(Fault.status(503), Fault.status(503), Fault.status(503))
    before = list(AuroraFlow.objects.order_by("pk").values())
    response = admin_client.post(
        ADMIN,
        {
            "action": "refresh_selected",
            "select_across": "1",
            "index": "0",
            "_selected_action": ["x"],
        },
        follow=True,
    )
    assert response.status_code == 200
    (message,) = list(get_messages(response.wsgi_request))
    assert message.level_tag == "error"
    assert "Creatify refresh of 2 jobs failed" in str(message) and "503" in str(message)
    assert creatify_sandbox.api_key not in response.content.decode()
    assert list(AuroraFlow.objects.order_by("pk").values()) == before


@pytest.mark.django_db
def test_large_selection_is_queued_as_tasks(admin_client, creatify_sandbox, monkeypatch):
    monkeypatch.setattr(AuroraFlowAdmin, "refresh_now_limit", 150)
    creatify_sandbox.add_jobs(250, status="done")
    sync_aurora_flows()
    creatify_sandbox.clear_requests()
    response = admin_client.post(
        ADMIN,
        {
            "action": "refresh_selected",
            "select_across": "1",
            "index": "0",
            "_selected_action": ["x"],
        },
        follow=True,
    )
    assert messages_of(response) == [
        "Queued a refresh of 250 jobs in 3 tasks of up to 100; "
        "the list shows the results as they arrive."
    ]
    # The test settings run Celery tasks inline: they have already run, 100 ids per GET.
    assert len(creatify_sandbox.requests) == 3


@pytest.mark.django_db
def test_sync_all_now(admin_client, creatify_sandbox):
    creatify_sandbox.add_jobs(4, status="done")
    sync_aurora_flows()
    creatify_sandbox.add_jobs(2, status="running")
    assert admin_client.get(ADMIN + "sync/").status_code == 405

    response = admin_client.post(ADMIN + "sync/", {"next": ADMIN + "?status=done"})
    assert response.status_code == 302 and response.url == ADMIN + "?status=done"
    assert messages_of(response) == [
        "Synced every job from Creatify: created 2, updated 0, unchanged 4, skipped 0 (1 request)."
    ]
    assert AuroraFlow.objects.count() == 6
    # Only local redirects.
    response = admin_client.post(ADMIN + "sync/", {"next": "https://evil.example/"})
    assert response.url == ADMIN


@pytest.mark.django_db
def test_sync_all_with_bad_credentials_says_so_without_the_key(
    admin_client, creatify_sandbox, settings
):
    settings.CREATIFY = {**settings.CREATIFY, "API_KEY": "wrong-secret-key-123"}
    response = admin_client.post(ADMIN + "sync/", follow=True)
    assert response.status_code == 200
    text = messages_of(response)[0]
    assert "Creatify full sync failed" in text and "credentials" in text
    assert "wrong-secret-key-123" not in response.content.decode()


@pytest.mark.django_db
def test_sync_all_waits_for_a_running_full_sync(admin_client, creatify_sandbox):
    from django_creatify import locks, tasks

    holder = locks.acquire(tasks.FULL_SYNC_LEASE, 60, holder="worker-3:4711:9f2c0123abcd")
    ends = locks.current_holder(tasks.FULL_SYNC_LEASE).expires_at
    try:
        response = admin_client.post(ADMIN + "sync/")
    finally:
        locks.release(tasks.FULL_SYNC_LEASE, holder)
    assert messages_of(response) == [
        "A full sync is already running (worker-3:4711:9f2c0123abcd, "
        f"lease ends {ends:%H:%M:%S} UTC); try again when it has finished."
    ]
    assert creatify_sandbox.requests == []


@pytest.mark.django_db
def test_refresh_one_job_from_its_page(admin_client, creatify_sandbox):
    job = creatify_sandbox.add_job(name="One", status="running", progress=0.1)
    sync_aurora_flows()
    creatify_sandbox.update_job(job["id"], status="done")
    assert admin_client.get(f"{ADMIN}{job['id']}/refresh/").status_code == 405
    response = admin_client.post(f"{ADMIN}{job['id']}/refresh/")
    assert response.status_code == 302 and response.url == f"{ADMIN}{job['id']}/change/"
    assert messages_of(response) == [
        "Refreshed from Creatify: created 0, updated 1, unchanged 0, skipped 0 (1 request)."
    ]
    assert AuroraFlow.objects.get(pk=job["id"]).status == "done"


@pytest.mark.django_db
def test_view_only_staff_cannot_refresh_or_sync(client, django_user_model, creatify_sandbox):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_auroraflow"))
    client.force_login(user)
    creatify_sandbox.add_job(name="x", status="done")
    sync_aurora_flows()
    html = client.get(ADMIN).content.decode()
    assert "Sync all now" not in html and "refresh_selected" not in html
    assert client.post(ADMIN + "sync/").status_code == 403
    assert client.get(ADMIN + "add/").status_code == 403
    assert client.get(ADMIN + "overview/").status_code == 200
    creatify_sandbox.clear_requests()
    flow = AuroraFlow.objects.get()
    assert client.post(f"{ADMIN}{flow.pk}/refresh/").status_code == 403
    assert creatify_sandbox.requests == []


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


# -- add ----------------------------------------------------------------------------------


def create_data(creatify_sandbox, **overrides):
    return {
        "audio": f"{creatify_sandbox.url}/media/audio.wav",
        "image": f"{creatify_sandbox.url}/media/image.png",
        "name": "Made in the admin",
        "text_prompt": "Warm light",
        "prompt_guidance_scale": "2.5",
        "model_version": "aurora_v1_fast",
        **overrides,
    }


@pytest.mark.django_db
def test_add_creates_at_creatify_and_mirrors(admin_client, admin_user, creatify_sandbox):
    form = admin_client.get(ADMIN + "add/")
    assert form.status_code == 200
    html = form.content.decode()
    for field in (
        "audio",
        "image",
        "name",
        "text_prompt",
        "prompt_guidance_scale",
        "model_version",
    ):
        assert f'name="{field}"' in html
    assert "Create at Creatify" in html

    response = admin_client.post(ADMIN + "add/", create_data(creatify_sandbox))
    flow = AuroraFlow.objects.get()
    assert response.status_code == 302 and response.url == f"{ADMIN}{flow.pk}/change/"
    assert flow.name == "Made in the admin" and flow.model_version == "aurora_v1_fast"
    assert flow.prompt_guidance_scale == 2.5 and flow.status == "pending"
    assert flow.created_by == admin_user
    (post,) = [request for request in creatify_sandbox.requests if request.method == "POST"]
    assert str(flow.pk) in creatify_sandbox
    assert "Created Made in the admin at Creatify" in messages_of(response)[0]
    assert post.path == "/api/aurora/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"audio": "https://cdn.example.com/voice.ogg"}, "audio", "mp3, wav"),
        ({"image": "javascript:alert(1)//x.png"}, "image", "Enter an http(s) URL."),
        ({"image": ""}, "image", "This field is required."),
        ({"name": "n" * 256}, "name", "no more than 255 characters"),
        ({"prompt_guidance_scale": "11"}, "prompt_guidance_scale", "less than or equal to 10"),
        ({"prompt_guidance_scale": "lots"}, "prompt_guidance_scale", "valid number"),
        ({"model_version": "aurora_v9"}, "model_version", "valid choice"),
    ],
)
def test_add_uses_the_api_validation(admin_client, creatify_sandbox, overrides, field, message):
    from django_creatify.api.serializers import AuroraFlowCreateSerializer

    data = create_data(creatify_sandbox, **overrides)
    response = admin_client.post(ADMIN + "add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert AuroraFlow.objects.count() == 0
    assert creatify_sandbox.requests == []
    # The API refuses the same body.
    api = AuroraFlowCreateSerializer(data={k: v for k, v in data.items() if v != ""})
    assert not api.is_valid() and field in api.errors


@pytest.mark.django_db
def test_add_shows_creatify_errors_on_the_form(admin_client, creatify_sandbox):
    creatify_sandbox.inject(
        Fault.body(400, json.dumps({"image": ["Creatify could not read this image."]}).encode())
    )
    response = admin_client.post(ADMIN + "add/", create_data(creatify_sandbox))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["image"] == [
        "Creatify could not read this image."
    ]
    creatify_sandbox.inject(Fault.status(429), Fault.status(429), Fault.status(429))
    response = admin_client.post(ADMIN + "add/", create_data(creatify_sandbox))
    assert response.status_code == 200
    (error,) = response.context["adminform"].form.non_field_errors()
    assert error.startswith("Creatify could not create the job: ") and "429" in error
    assert AuroraFlow.objects.count() == 0


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
