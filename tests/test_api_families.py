"""Every family's list and retrieve, run by the same tests: one API, one registration each.

Rows reach the mirror through the sync (``apply_payloads``) from payloads shaped as
Creatify documents each family's object.
"""

import base64
import json
import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.test import APIClient

from django_creatify.api.registry import REGISTRATIONS
from django_creatify.api.serializers import serializer_for
from django_creatify.api.views import VIEWSETS
from django_creatify.families import FAMILIES
from django_creatify.parsers import boolean
from django_creatify.sync import apply_payloads

from .family_api_support import (
    FAMILY_NAMES,
    PREFIX,
    client_for,
    creatify_settings,
    make_user,
    non_staff_api,
    output_field,
    payload,
)
from .family_payloads import CREATED

pytestmark = [pytest.mark.django_db, pytest.mark.parametrize("family", FAMILY_NAMES)]

AURORA_KEYS = [
    *("id", "created_at", "updated_at", "name", "audio", "image", "text_prompt"),
    *("prompt_guidance_scale", "model_version", "video_output", "credits_used", "duration"),
    *("progress", "failed_reason", "media_job", "status", "is_hidden", "webhook_url"),
    *("preview", "editor_url", "progress_percent", "is_finished", "editor_url_expires_at"),
    *("synced_at", "missing_since", "created_by", "archived_outputs"),
]


@pytest.fixture
def staff():
    return client_for(make_user("staff", staff=True))


def mirror(family, *items):
    result = apply_payloads(family, items)
    assert not result.skipped, result.skipped_items
    return items


def listed(client, family, query=""):
    response = client.get(f"{PREFIX}{family}/{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids_for(client, family, query):
    return {item["id"] for item in listed(client, family, query)}


# -- representation ----------------------------------------------------------------------


def test_a_job_has_every_mirrored_field_and_the_derived_ones(staff, family):
    (item,) = mirror(family, payload(family, status="done", progress=1, name="<b>Teaser</b>"))
    data = staff.get(f"{PREFIX}{family}/{item['id']}/").json()

    output = [] if family == "aurora" else ["output_url"]
    derived = ["progress_percent", "is_finished", "editor_url_expires_at", "synced_at"]
    mirrored = REGISTRATIONS[family].mirrored_fields
    assert sorted(mirrored) == sorted(FAMILIES[family].fields)
    assert list(data) == [
        "id",
        *mirrored,
        *output,
        *derived,
        "missing_since",
        "created_by",
        "archived_outputs",
    ]
    if family == "aurora":  # clients compare it byte for byte: its order never changes
        assert list(data) == AURORA_KEYS
    assert data["name"] == "<b>Teaser</b>"
    assert (data["progress_percent"], data["is_finished"]) == (100.0, True)
    assert data["created_at"] == CREATED.replace(".000000Z", "Z")
    assert "raw" not in data


def test_output_url_is_the_finished_video_whichever_field_holds_it(staff, family):
    video = "https://cdn.example/out.mp4?sig=1"
    (item,) = mirror(family, payload(family, status="done", **{output_field(family): video}))
    data = staff.get(f"{PREFIX}{family}/{item['id']}/").json()
    assert data[output_field(family)] == video
    if family != "aurora":  # Aurora's representation predates output_url
        assert data["output_url"] == video


def test_nested_documents_render_as_json(staff, family):
    (item,) = mirror(family, payload(family))
    data = staff.get(f"{PREFIX}{family}/{item['id']}/").json()
    for name in FAMILIES[family].json_fields:
        assert data[name] == item[name]
        assert isinstance(data[name], dict | list)


def test_progress_sent_as_text_is_a_number(staff, family):
    (item,) = mirror(family, payload(family, progress=0.25))
    data = staff.get(f"{PREFIX}{family}/{item['id']}/").json()
    assert (data["progress"], data["progress_percent"]) == (0.25, 25.0)


def test_the_list_is_exactly_drfs_own_output(staff, family, settings):
    from rest_framework import serializers as drf
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    settings.TIME_ZONE = "Asia/Kolkata"
    mirror(
        family,
        payload(family, status="done", editor_url="https://e.example/1"),
        payload(family, status="failed", name=None, progress=None, failed_reason="x"),
        payload(family, webhook_url="https://hooks.example/x", media_job=str(uuid.uuid4())),
    )
    model = FAMILIES[family].model
    model.objects.filter(status="failed").update(created_by=make_user("owner"))
    request = APIView().initialize_request(APIRequestFactory().get("/", {"expand": "raw"}))
    request.user = make_user("boss", staff=True)
    rows = list(model.objects.all())
    serializer = serializer_for(family)
    ours = serializer(rows, many=True, context={"request": request}).data
    stock = serializer(context={"request": request})
    theirs = [drf.ModelSerializer.to_representation(stock, row) for row in rows]
    assert json.loads(json.dumps(ours)) == json.loads(json.dumps(theirs))
    assert all("raw" in item for item in ours)


def test_raw_only_for_staff_who_ask(staff, family):
    (item,) = mirror(family, payload(family))
    url = f"{PREFIX}{family}/{item['id']}/"
    assert staff.get(url + "?expand=raw").json()["raw"] == item
    assert "raw" not in staff.get(url).json()
    with non_staff_api():
        assert "raw" not in client_for(make_user("someone")).get(url + "?expand=raw").json()


def test_the_list_reads_no_payload_unless_staff_expand_it(staff, family):
    mirror(family, payload(family))
    with CaptureQueriesContext(connection) as captured:
        listed(staff, family)
    page = next(query["sql"] for query in captured if "LIMIT" in query["sql"])
    assert '"raw"' not in page and "raw_digest" not in page


def test_webhook_url_is_hidden_from_non_staff_unless_its_host_is_allowed(staff, family):
    secret = "s3cret-webhook-path-segment-0123456789"
    own = f"https://site.example/creatify/webhook/{secret}/{family}/"
    allowed, other = "https://hooks.example/h", "https://elsewhere.example/h"
    items = mirror(family, *(payload(family, webhook_url=url) for url in (own, allowed, other)))
    by_id = {item["id"]: item["webhook_url"] for item in items}
    changes = {"WEBHOOK_SECRET": secret, "WEBHOOK_URL_ALLOWED_HOSTS": ["hooks.example"]}
    with non_staff_api(**changes):
        seen = {job["id"]: job["webhook_url"] for job in listed(client_for(make_user("u")), family)}
        assert seen == {job_id: url if url == allowed else None for job_id, url in by_id.items()}
        with creatify_settings(**changes):
            staff_seen = {job["id"]: job["webhook_url"] for job in listed(staff, family)}
    assert staff_seen == by_id


def test_owner_scoping_shows_users_only_their_own_jobs(family):
    mine, theirs = mirror(family, payload(family), payload(family))
    alice = make_user("alice")
    FAMILIES[family].model.objects.filter(pk=mine["id"]).update(created_by=alice)
    client = client_for(alice)
    with non_staff_api(API_OWNER_SCOPED=True):
        assert [job["id"] for job in listed(client, family)] == [mine["id"]]
        assert client.get(f"{PREFIX}{family}/{theirs['id']}/").status_code == 404
        assert client.post(f"{PREFIX}{family}/{theirs['id']}/refresh/").status_code == 404


# -- filters, search, ordering -----------------------------------------------------------


NOV_1 = "2026-11-01T10:05:00Z"


def test_common_filters(staff, family):
    done, failed, running, odd = mirror(
        family,
        payload(family, status="done", created_at="2026-10-01T00:00:00Z", updated_at=NOV_1),
        payload(family, status="failed", created_at=NOV_1, updated_at=NOV_1),
        payload(family, status="running", created_at=NOV_1, updated_at="2026-11-10T00:00:00Z"),
        payload(family, status="archived", created_at=NOV_1, updated_at=NOV_1),
    )
    ids = lambda *items: {item["id"] for item in items}  # noqa: E731

    assert ids_for(staff, family, "?status=done,failed") == ids(done, failed)
    assert ids_for(staff, family, "?status=archived") == ids(odd)
    assert ids_for(staff, family, "?state=finished") == ids(done, failed)
    assert ids_for(staff, family, "?state=active") == ids(running, odd)
    assert ids_for(staff, family, "?created_at_before=2026-10-15T00:00:00Z") == ids(done)
    assert ids_for(staff, family, "?created_at_after=2026-10-15T00:00:00Z") == ids(
        failed, running, odd
    )
    assert ids_for(staff, family, "?updated_at_after=2026-11-09T00:00:00Z") == ids(running)
    assert ids_for(staff, family, "?updated_at_before=2026-11-01T00:00:00Z") == set()


def test_filters_on_the_familys_own_choice_like_fields(staff, family):
    names = REGISTRATIONS[family].choice_filters
    assert names, "every family has choice-like fields to filter by"
    for name in names:
        first, second = mirror(family, payload(family, **{name: "a-1"}), payload(family))
        assert ids_for(staff, family, f"?{name}=a-1") == {first["id"]}
        assert ids_for(staff, family, f"?{name}=a-1,{second[name]}") >= {first["id"], second["id"]}


def test_filters_on_the_familys_boolean_fields(staff, family):
    fields = FAMILIES[family].fields
    for name in [name for name, (parser, _default) in fields.items() if parser is boolean]:
        on, off = mirror(family, payload(family, **{name: True}), payload(family, **{name: False}))
        assert ids_for(staff, family, f"?{name}=true") >= {on["id"]}
        assert on["id"] not in ids_for(staff, family, f"?{name}=0")
        assert off["id"] in ids_for(staff, family, f"?{name}=false")
        assert staff.get(f"{PREFIX}{family}/?{name}=maybe").status_code == 400


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("state", "sideways"),
        ("created_at_after", "notadate"),
        ("updated_at_before", "0001-01-01T00:00:00+05:00"),
        ("ordering", "-secret_column"),
        ("ordering", ""),
        ("search", " ".join(["w"] * 11)),
        ("search", "x" * 201),
        ("status", ",".join(["done"] * 41)),
    ],
)
def test_an_invalid_or_unbounded_parameter_is_a_400_naming_it(staff, family, param, value):
    response = staff.get(f"{PREFIX}{family}/", {param: value})
    assert response.status_code == 400
    assert set(response.json()) == {param}


def test_a_megabyte_search_never_reaches_the_database(staff, family):
    table = FAMILIES[family].model._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        response = staff.get(f"{PREFIX}{family}/", {"search": " ".join(["ab"] * 333_333)})
    assert response.status_code == 400
    assert not [query for query in queries if table in query["sql"]]


def test_search_by_name(staff, family):
    match, _other, _unnamed = mirror(
        family,
        payload(family, name="Quarterly launch teaser"),
        payload(family, name="Onboarding"),
        payload(family, name=None),
    )
    assert ids_for(staff, family, "?search=launch") == {match["id"]}


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("created_at", ["2026-11-03T00:00:00Z", "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"]),
        ("updated_at", ["2026-11-03T00:00:00Z", "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"]),
        ("progress", [0.3, 0.1, 0.2]),
        ("status", ["running", "done", "failed"]),
        ("name", ["c", "a", "b"]),
        ("credits_used", [3, 1, 2]),
        ("duration", [3, 1, 2]),
    ],
)
def test_ordering(staff, family, field, values):
    items = mirror(family, *(payload(family, **{field: value}) for value in values))
    expected = [item["id"] for _value, item in sorted(zip(values, items, strict=True))]
    assert [job["id"] for job in listed(staff, family, f"?ordering={field}")] == expected
    assert [job["id"] for job in listed(staff, family, f"?ordering=-{field}")] == expected[::-1]


# -- names, errors, routing --------------------------------------------------------------


def test_a_missing_job_is_a_404_in_the_familys_words(staff, family):
    verbose = str(FAMILIES[family].model._meta.verbose_name)
    unknown = uuid.uuid4()
    paths = [f"{PREFIX}{family}/{unknown}/", f"{PREFIX}{family}/{unknown}/refresh/"]
    responses = [staff.get(paths[0]), staff.post(paths[1])]
    if FAMILIES[family].previews:
        responses.append(staff.post(f"{PREFIX}{family}/{unknown}/render/"))
    for response in responses:
        assert response.status_code == 404
        assert response.json() == {"detail": f"No such {verbose}."}


def test_the_browsable_api_names_jobs_as_the_admin_does(staff, family):
    (item,) = mirror(family, payload(family))
    opts = FAMILIES[family].model._meta
    listing = staff.get(f"{PREFIX}{family}/", HTTP_ACCEPT="text/html")
    detail = staff.get(f"{PREFIX}{family}/{item['id']}/", HTTP_ACCEPT="text/html")
    assert (listing.status_code, detail.status_code) == (200, 200)
    plural, single = str(opts.verbose_name_plural), str(opts.verbose_name)
    assert f"<h1>{plural[:1].upper()}{plural[1:]}</h1>" in listing.content.decode()
    assert f"<h1>{single[:1].upper()}{single[1:]}</h1>" in detail.content.decode()


def test_no_credentials_is_a_401_with_a_challenge(family, monkeypatch):
    # DRF's defaults: sessions first (no challenge), then HTTP Basic.
    classes = [SessionAuthentication, BasicAuthentication]
    monkeypatch.setattr(VIEWSETS[family], "authentication_classes", classes)
    response = Client().get(f"{PREFIX}{family}/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    monkeypatch.setattr(VIEWSETS[family], "authentication_classes", classes[:1])
    assert Client().post(f"{PREFIX}{family}/", {}).status_code == 403
    assert APIClient().get(f"{PREFIX}{family}/").status_code in (401, 403)
    with non_staff_api():
        assert client_for(make_user("u")).get(f"{PREFIX}{family}/").status_code == 200


def test_credentials_holding_nul_are_refused_not_a_server_error(staff, family, monkeypatch):
    """PostgreSQL refuses NUL in text: a user name holding one never reaches the database."""
    monkeypatch.setattr(
        VIEWSETS[family], "authentication_classes", [SessionAuthentication, BasicAuthentication]
    )
    for credentials in (b"ad\x00min:secret", b"admin:se\x00cret"):
        header = "Basic " + base64.b64encode(credentials).decode()
        response = Client().get(f"{PREFIX}{family}/", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid credentials."}
    # The connection is fit for the next request, in the same transaction.
    assert staff.get(f"{PREFIX}{family}/").status_code == 200


def test_a_family_the_site_does_not_mirror_is_not_found(staff, family):
    (item,) = mirror(family, payload(family))
    others = [name for name in FAMILIES if name != family]
    with creatify_settings(FAMILIES=others):
        for response in (
            staff.get(f"{PREFIX}{family}/"),
            staff.get(f"{PREFIX}{family}/{item['id']}/"),
            staff.post(f"{PREFIX}{family}/", {}, format="json"),
            staff.post(f"{PREFIX}{family}/{item['id']}/refresh/"),
        ):
            assert response.status_code == 404
        assert staff.get(f"{PREFIX}{others[0]}/").status_code == 200
    assert staff.get(f"{PREFIX}{family}/").status_code == 200


def test_refresh_with_a_broker_queues_the_familys_task_once(staff, family, queued_tasks):
    (item,) = mirror(family, payload(family))
    url = f"{PREFIX}{family}/{item['id']}/refresh/"
    first, second = staff.post(url), staff.post(url)
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["id"] == item["id"]
    ((_name, args, kwargs),) = queued_tasks
    assert args == [item["id"]]
    assert kwargs.get("family", "aurora") == family


def test_the_list_costs_the_same_queries_for_10_and_100_rows(staff, family):
    owner = make_user("owner")
    mirror(family, *(payload(family, name=f"job {index}") for index in range(120)))
    FAMILIES[family].model.objects.update(created_by=owner)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(url).status_code == 200
        return len(captured)

    base = f"{PREFIX}{family}/"
    assert queries(base + "?page_size=10") == queries(base + "?page_size=100")
    assert len(listed(staff, family, "?page_size=1000")) == 100


def test_datetimes_render_in_the_current_time_zone(staff, family, settings):
    settings.TIME_ZONE = "Europe/Paris"
    (item,) = mirror(family, payload(family, created_at="2026-07-01T12:00:00.5Z"))
    data = staff.get(f"{PREFIX}{family}/{item['id']}/").json()
    expected = datetime(2026, 7, 1, 12, 0, 0, 500000, tzinfo=UTC)
    assert data["created_at"] == "2026-07-01T14:00:00.500000+02:00"
    assert datetime.fromisoformat(data["created_at"]) == expected


def test_the_schema_documents_the_familys_filters(family):
    from drf_spectacular.generators import SchemaGenerator

    spec = SchemaGenerator().get_schema(request=None, public=True)
    documented = {p["name"] for p in spec["paths"][f"{PREFIX}{family}/"]["get"]["parameters"]}
    filters = VIEWSETS[family].filterset_class.base_filters
    assert {*filters, "search", "ordering", "page", "page_size"} <= documented
    assert set(REGISTRATIONS[family].choice_filters) <= set(filters)
