"""Query parameters a client can rely on: bounded, checked, and named in every error."""

import time
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.test import APIClient

from django_creatify.api.views import AuroraFlowViewSet
from django_creatify.models import AuroraFlow

pytestmark = pytest.mark.django_db

LIST = "/creatify/api/aurora/"
TABLE = AuroraFlow._meta.db_table


@pytest.fixture
def staff():
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_user("staff", is_staff=True))
    return client


def mirror_queries(queries):
    return [query["sql"] for query in queries if TABLE in query["sql"]]


def test_a_megabyte_search_is_refused_fast_without_touching_the_database(staff):
    AuroraFlow.objects.create(id=uuid.uuid4(), name="launch teaser")
    huge = " ".join(["ab"] * 333_333)  # 1 MB, 333,333 terms
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = staff.get(LIST, {"search": huge})
        elapsed = time.perf_counter() - started
    assert response.status_code == 400
    assert set(response.json()) == {"search"}
    assert mirror_queries(queries) == []
    assert elapsed < 1.0


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"search": " ".join(["w"] * 10)}, 200),
        ({"search": " ".join(["w"] * 11)}, 400),
        ({"search": "x" * 200}, 200),
        ({"search": "x" * 201}, 400),
        ({"status": ",".join(["done"] * 40)}, 200),  # 199 characters
        ({"status": ",".join(["done"] * 41)}, 400),
        ({"x" * 201: "1"}, 400),
    ],
    ids=["10-terms", "11-terms", "200-chars", "201-chars", "list-199", "list-204", "long-name"],
)
def test_every_parameter_is_bounded(staff, query, status):
    assert staff.get(LIST, query).status_code == status


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("is_hidden", "maybe"),
        ("state", "nonsense"),
        ("created_at_after", "notadate"),
        ("created_at_before", "2026-13-01"),
        ("updated_at_after", "yesterday"),
        ("updated_at_before", "0001-01-01T00:00:00+05:00"),
    ],
)
def test_an_invalid_filter_value_is_a_400_naming_the_parameter(staff, param, value):
    response = staff.get(LIST, {param: value})
    assert response.status_code == 400
    assert set(response.json()) == {param}


def test_boolean_filters_take_true_false_1_0(staff):
    hidden = AuroraFlow.objects.create(id=uuid.uuid4(), is_hidden=True)
    shown = AuroraFlow.objects.create(id=uuid.uuid4(), is_hidden=False)
    for value, expected in (("true", hidden), ("1", hidden), ("False", shown), ("0", shown)):
        results = staff.get(LIST, {"is_hidden": value}).json()["results"]
        assert [item["id"] for item in results] == [str(expected.pk)], value


def test_an_unknown_ordering_is_a_400_listing_the_allowed_fields(staff):
    response = staff.get(LIST, {"ordering": "-secret_column"})
    assert response.status_code == 400
    (message,) = response.json()["ordering"]
    assert "secret_column" in message
    for field in ("created_at", "updated_at", "progress", "status", "name", "credits_used"):
        assert field in message
    assert staff.get(LIST, {"ordering": ""}).status_code == 400


@pytest.mark.parametrize("field", ["credits_used", "duration"])
def test_ordering_by_credits_and_duration(staff, field):
    rows = [AuroraFlow.objects.create(id=uuid.uuid4(), **{field: value}) for value in (3, 1, 2)]
    expected = [str(r.pk) for r in sorted(rows, key=lambda r: getattr(r, field))]
    results = staff.get(LIST, {"ordering": f"{field},-created_at"}).json()["results"]
    assert [item["id"] for item in results] == expected


def test_no_credentials_is_a_401_with_a_challenge_when_an_authenticator_can_challenge(
    monkeypatch,
):
    # DRF's defaults: sessions first (no challenge), then HTTP Basic.
    classes = [SessionAuthentication, BasicAuthentication]
    monkeypatch.setattr(AuroraFlowViewSet, "authentication_classes", classes)
    response = Client().get(LIST)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")

    monkeypatch.setattr(AuroraFlowViewSet, "authentication_classes", classes[:1])
    response = Client().get(LIST)
    assert response.status_code == 403  # nothing could challenge: 401 would be wrong
    assert not response.has_header("WWW-Authenticate")


def test_a_missing_job_is_a_404_naming_no_internal_class(staff):
    for response in (
        staff.get(f"{LIST}{uuid.uuid4()}/"),
        staff.post(f"{LIST}{uuid.uuid4()}/refresh/"),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "No such Aurora video."}


def test_one_human_name_in_admin_api_and_schema(staff):
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("boss", password="pw"))
    job = AuroraFlow.objects.create(id=uuid.uuid4(), name="x")
    assert "<h1>Aurora videos</h1>" in admin.get("/admin/django_creatify/auroraflow/").text
    listing = staff.get(LIST, HTTP_ACCEPT="text/html").content.decode()
    detail = staff.get(f"{LIST}{job.pk}/", HTTP_ACCEPT="text/html").content.decode()
    assert "<h1>Aurora videos</h1>" in listing
    assert "<h1>Aurora video</h1>" in detail
    assert "Aurora Flow" not in listing + detail


def test_a_megabyte_admin_search_is_refused_with_a_message(client):
    client.force_login(get_user_model().objects.create_superuser("boss", password="pw"))
    AuroraFlow.objects.create(id=uuid.uuid4(), name="ab")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/admin/django_creatify/auroraflow/", {"q": " ".join(["ab"] * 333_333)})
    assert page.status_code == 200
    assert "Search for at most 10 words" in page.text
    assert not any("LIKE" in sql.upper() for sql in mirror_queries(queries))
