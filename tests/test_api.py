"""The DRF API as a host site's front end and services use it."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from django_creatify.models import AuroraFlow
from django_creatify.sandbox import Fault
from django_creatify.sync import sync_aurora_flows

pytestmark = pytest.mark.django_db

LIST = "/creatify/api/aurora/"
VALID = {"audio": "https://cdn.example/voice.mp3", "image": "https://cdn.example/face.png"}


def detail(flow_id):
    return f"{LIST}{flow_id}/"


def make_user(name, *, staff=False):
    return get_user_model().objects.create_user(name, password="pw", is_staff=staff)


@pytest.fixture
def staff():
    client = APIClient()
    client.force_authenticate(make_user("staff", staff=True))
    return client


def row(**fields):
    fields.setdefault("id", uuid.uuid4())
    fields.setdefault("status", "running")
    fields.setdefault("created_at", datetime(2026, 11, 1, tzinfo=UTC))
    return AuroraFlow.objects.create(**fields)


def owner_scoped():
    return override_settings(
        CREATIFY={
            **settings.CREATIFY,
            "API_OWNER_SCOPED": True,
            "API_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
        }
    )


# -- permissions -------------------------------------------------------------------------


def test_anonymous_and_non_staff_are_refused_by_default():
    row()
    assert APIClient().get(LIST).status_code in (401, 403)
    client = APIClient()
    client.force_authenticate(make_user("someone"))
    assert client.get(LIST).status_code == 403
    assert client.post(LIST, VALID, format="json").status_code == 403


def test_staff_sees_every_job(staff):
    mine, theirs = row(created_by=make_user("a")), row()
    response = staff.get(LIST)
    assert response.status_code == 200
    assert {item["id"] for item in response.json()["results"]} == {str(mine.pk), str(theirs.pk)}


def test_owner_scoping_shows_users_only_their_own_jobs(creatify_sandbox):
    alice, bob = make_user("alice"), make_user("bob")
    hers, his = row(created_by=alice), row(created_by=bob)
    client = APIClient()
    client.force_authenticate(alice)
    with owner_scoped():
        listed = client.get(LIST).json()["results"]
        assert [item["id"] for item in listed] == [str(hers.pk)]
        assert client.get(detail(hers.pk)).status_code == 200
        assert client.get(detail(his.pk)).status_code == 404
        assert client.post(detail(his.pk) + "refresh/").status_code == 404
        assert APIClient().get(LIST).status_code in (401, 403)
    assert creatify_sandbox.requests == []  # nothing reached Creatify for a foreign job


def test_owner_scoped_users_create_jobs_they_then_own(creatify_sandbox):
    alice = make_user("alice")
    client = APIClient()
    client.force_authenticate(alice)
    with owner_scoped():
        created = client.post(LIST, VALID, format="json")
        assert created.status_code == 201
        assert client.get(LIST).json()["count"] == 1
    assert AuroraFlow.objects.get(pk=created.json()["id"]).created_by == alice


# -- representation ----------------------------------------------------------------------


def test_a_job_has_the_api_fields_and_derived_ones(staff):
    job = row(status="running", progress=0.45, name="<b>Teaser</b>", credits_used=2.5)
    data = staff.get(detail(job.pk)).json()
    assert data["name"] == "<b>Teaser</b>"  # JSON carries the text; escaping is the renderer's job
    assert (data["progress"], data["progress_percent"], data["is_finished"]) == (0.45, 45.0, False)
    assert data["credits_used"] == 2.5
    assert "raw" not in data


def test_raw_only_for_staff_who_ask(staff, creatify_sandbox):
    job = row(raw={"id": "x", "extra": 1}, created_by=make_user("alice"))
    assert staff.get(detail(job.pk) + "?expand=raw").json()["raw"] == {"id": "x", "extra": 1}
    client = APIClient()
    client.force_authenticate(job.created_by)
    with owner_scoped():
        assert "raw" not in client.get(detail(job.pk) + "?expand=raw").json()


def test_editor_url_turns_null_after_24_hours(staff, monkeypatch):
    received = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    job = row(status="done", editor_url="https://app.example/e/1", editor_url_fetched_at=received)

    monkeypatch.setattr("django.utils.timezone.now", lambda: received + timedelta(hours=23))
    data = staff.get(detail(job.pk)).json()
    assert data["editor_url"] == "https://app.example/e/1"
    assert data["editor_url_expires_at"] == "2026-11-21T12:00:00Z"

    monkeypatch.setattr("django.utils.timezone.now", lambda: received + timedelta(hours=24))
    assert staff.get(detail(job.pk)).json()["editor_url"] is None


# -- list: pagination, filters, search, ordering -----------------------------------------


def query_count(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_costs_the_same_queries_for_10_and_100_rows(staff):
    owner = make_user("owner")
    for index in range(120):
        row(name=f"job {index}", created_by=owner)
    assert query_count(staff, LIST + "?page_size=10") == query_count(staff, LIST + "?page_size=100")


def test_the_list_reads_no_payload_unless_staff_expand_it(staff):
    row(raw={"id": "x"})
    with CaptureQueriesContext(connection) as captured:
        staff.get(LIST)
    page = next(query["sql"] for query in captured if "LIMIT" in query["sql"])
    assert '"raw"' not in page and "raw_digest" not in page
    with CaptureQueriesContext(connection) as captured:
        assert staff.get(LIST + "?expand=raw").json()["results"][0]["raw"] == {"id": "x"}
    assert any('"raw"' in query["sql"] for query in captured)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
@pytest.mark.parametrize("expand", ["", "raw"])
def test_list_output_is_exactly_drfs_own(staff, creatify_sandbox, settings, zone, expand):
    """The list formats rows through a plan made once per page (api/representation.py):
    its output must be what DRF's field-by-field serializer gives, for every kind of row."""
    from rest_framework import serializers as drf
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    from django_creatify.api.serializers import AuroraFlowSerializer

    settings.TIME_ZONE = zone
    creatify_sandbox.add_jobs(6, seed=3)
    creatify_sandbox.add_job(status="failed", name=None, progress=None, failed_reason="x")
    sync_aurora_flows()
    AuroraFlow.objects.filter(status="failed").update(created_by=make_user("owner"))
    row(status="done", editor_url="https://e.example/1", editor_url_fetched_at=None)
    request = APIView().initialize_request(
        APIRequestFactory().get(LIST, {"expand": expand} if expand else {})
    )
    request.user = get_user_model().objects.get(username="staff")
    rows = list(AuroraFlow.objects.all())
    ours = AuroraFlowSerializer(rows, many=True, context={"request": request}).data
    stock = AuroraFlowSerializer(context={"request": request})
    theirs = [drf.ModelSerializer.to_representation(stock, flow) for flow in rows]
    assert json.loads(json.dumps(ours)) == json.loads(json.dumps(theirs))
    assert ("raw" in ours[0]) == bool(expand)


def test_page_size_is_bounded(staff):
    for _ in range(105):
        row()
    assert len(staff.get(LIST + "?page_size=1000").json()["results"]) == 100


def ids_for(client, query):
    response = client.get(LIST + query)
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def test_filters(staff):
    done = row(
        status="done", model_version="aurora_v1", created_at=datetime(2026, 10, 1, tzinfo=UTC)
    )
    failed = row(status="failed", model_version="aurora_v1_fast", is_hidden=True)
    running = row(status="running", updated_at=datetime(2026, 11, 10, tzinfo=UTC))
    odd = row(status="archived")
    as_ids = lambda *rows: {str(r.pk) for r in rows}  # noqa: E731

    assert ids_for(staff, "?status=done,failed") == as_ids(done, failed)
    assert ids_for(staff, "?status=archived") == as_ids(odd)
    assert ids_for(staff, "?model_version=aurora_v1_fast") == as_ids(failed)
    assert ids_for(staff, "?is_hidden=true") == as_ids(failed)
    assert ids_for(staff, "?state=finished") == as_ids(done, failed)
    assert ids_for(staff, "?state=active") == as_ids(running, odd)
    assert ids_for(staff, "?created_at_before=2026-10-15T00:00:00Z") == as_ids(done)
    assert ids_for(staff, "?created_at_after=2026-10-15T00:00:00Z") == as_ids(failed, running, odd)
    assert ids_for(staff, "?updated_at_after=2026-11-09T00:00:00Z") == as_ids(running)
    assert ids_for(staff, "?updated_at_before=2026-11-09T00:00:00Z") == set()
    assert staff.get(LIST + "?state=sideways").status_code == 400
    # Found by the schema fuzzer: an offset PostgreSQL cannot store was a 500.
    assert ids_for(staff, "?created_at_after=2026-10-15T10:00:00%2B23:59") == as_ids(
        failed, running, odd
    )
    assert staff.get(LIST + "?created_at_after=0001-01-01T00:00:00%2B05:00").status_code == 400


def test_search_by_name(staff):
    match = row(name="Quarterly launch teaser")
    row(name="Onboarding")
    row(name=None)
    assert ids_for(staff, "?search=launch") == {str(match.pk)}


@pytest.mark.parametrize("field", ["created_at", "updated_at", "progress", "status", "name"])
def test_ordering(staff, field):
    values = {
        "created_at": [datetime(2026, 11, day, tzinfo=UTC) for day in (3, 1, 2)],
        "updated_at": [datetime(2026, 11, day, tzinfo=UTC) for day in (3, 1, 2)],
        "progress": [0.3, 0.1, 0.2],
        "status": ["running", "done", "failed"],
        "name": ["c", "a", "b"],
    }[field]
    rows = [row(**{field: value}) for value in values]
    expected = [str(r.pk) for r in sorted(rows, key=lambda r: getattr(r, field))]
    for query, order in ((field, expected), (f"-{field}", expected[::-1])):
        results = staff.get(f"{LIST}?ordering={query}").json()["results"]
        assert [item["id"] for item in results] == order


# -- create ------------------------------------------------------------------------------


def test_create_reaches_the_sandbox_and_mirrors_the_job(staff, creatify_sandbox):
    body = {
        **VALID,
        "name": "Launch",
        "text_prompt": "warm studio light",
        "prompt_guidance_scale": 2.5,
        "model_version": "aurora_v1_fast",
    }
    response = staff.post(LIST, body, format="json")

    assert response.status_code == 201, response.content
    (post,) = [r for r in creatify_sandbox.requests if r.method == "POST"]
    assert json.loads(post.body) == body
    created = response.json()
    assert created["status"] == "pending" and created["name"] == "Launch"
    flow = AuroraFlow.objects.get(pk=created["id"])
    assert flow.created_by.username == "staff"
    assert flow.model_version == "aurora_v1_fast"
    assert (flow.raw["id"], flow.raw["status"], flow.raw["name"]) == (
        created["id"],
        "pending",
        "Launch",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"audio": None}, "audio"),
        ({"audio": "ftp://cdn.example/voice.mp3"}, "audio"),
        ({"audio": "javascript:alert(1)//x.mp3"}, "audio"),
        ({"audio": "https://cdn.example/voice.ogg"}, "audio"),
        ({"image": "https://cdn.example/face.gif"}, "image"),
        ({"image": "data:image/png;base64,AAAA"}, "image"),
        ({"name": "x" * 256}, "name"),
        ({"prompt_guidance_scale": 10.5}, "prompt_guidance_scale"),
        ({"prompt_guidance_scale": -0.1}, "prompt_guidance_scale"),
        ({"model_version": "aurora_v9"}, "model_version"),
        ({"webhook_url": "https://hooks.example/" + "x" * 200}, "webhook_url"),
        ({"webhook_url": "not a url"}, "webhook_url"),
    ],
)
def test_each_invalid_field_is_refused_before_any_remote_call(
    staff, creatify_sandbox, change, field
):
    body = {key: value for key, value in {**VALID, **change}.items() if value is not None}
    response = staff.post(LIST, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert creatify_sandbox.requests == []


def test_the_valid_edges_are_accepted(staff, creatify_sandbox):
    body = {
        "audio": "https://cdn.example/VOICE.WAV?sig=abc",
        "image": "http://cdn.example/face.webp",
        "name": "x" * 255,
        "prompt_guidance_scale": 10,
        "webhook_url": "https://hooks.example/" + "x" * 178,
    }
    assert staff.post(LIST, body, format="json").status_code == 201


def test_creatify_400_comes_back_as_400_with_its_messages(staff, creatify_sandbox):
    creatify_sandbox.inject(Fault.body(400, b'{"audio": ["Audio is longer than 60 seconds."]}'))
    response = staff.post(LIST, VALID, format="json")
    assert response.status_code == 400
    assert response.json() == {"audio": ["Audio is longer than 60 seconds."]}
    assert AuroraFlow.objects.count() == 0


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        (Fault.status(503), 503),
        (Fault.drop(), 503),
        (Fault.truncate(), 502),
        (Fault.status(500), 503),
    ],
)
def test_an_upstream_outage_is_a_clear_5xx_never_a_500(staff, creatify_sandbox, fault, status):
    creatify_sandbox.inject(fault)
    response = staff.post(LIST, VALID, format="json")
    assert response.status_code == status
    assert "Creatify" in response.json()["detail"]
    assert creatify_sandbox.api_key not in response.content.decode()
    assert AuroraFlow.objects.count() == 0


def test_wrong_credentials_are_a_503_that_does_not_leak_the_key(staff, creatify_sandbox):
    with override_settings(CREATIFY={**settings.CREATIFY, "API_KEY": "wrong-key-123"}):
        response = staff.post(LIST, VALID, format="json")
    assert response.status_code == 503
    assert "wrong-key-123" not in response.content.decode()


# -- refresh -----------------------------------------------------------------------------


def test_refresh_rereads_the_job_at_once_in_eager_mode(staff, creatify_sandbox, eager_celery):
    (job,) = creatify_sandbox.add_jobs(1, status="running", progress=0.2)
    sync_aurora_flows()
    creatify_sandbox.update_job(job["id"], status="done", progress=1.0)
    response = staff.post(detail(job["id"]) + "refresh/")
    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert AuroraFlow.objects.get(pk=job["id"]).status == "done"


def test_refresh_of_an_unknown_job_is_404(staff, creatify_sandbox):
    assert staff.post(detail(uuid.uuid4()) + "refresh/").status_code == 404
    assert creatify_sandbox.requests == []


def test_refresh_with_a_broker_queues_once_and_answers_202(staff, creatify_sandbox, queued_tasks):
    job = row(status="running")
    first = staff.post(detail(job.pk) + "refresh/")
    second = staff.post(detail(job.pk) + "refresh/")
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["status"] == "running"
    assert [(name, args) for name, args, _ in queued_tasks] == [
        ("django_creatify.tasks.refresh_aurora_flow", [str(job.pk)])
    ]
    assert creatify_sandbox.requests == []


def test_throttle_scopes_apply_once_rates_are_set(staff, creatify_sandbox):
    rates = {"creatify_create": "2/hour"}
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        from rest_framework.throttling import SimpleRateThrottle

        SimpleRateThrottle.THROTTLE_RATES = rates  # DRF reads this once at import
        try:
            codes = [staff.post(LIST, VALID, format="json").status_code for _ in range(3)]
        finally:
            SimpleRateThrottle.THROTTLE_RATES = {}
    assert codes == [201, 201, 429]
