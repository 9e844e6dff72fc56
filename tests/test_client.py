"""The HTTP client against the sandbox on loopback: headers, chunking, retries, failures."""

import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from django.test import override_settings

from django_creatify import exceptions
from django_creatify.client import CreatifyClient, normalize_ids, parse_retry_after
from django_creatify.sandbox import Fault

SECRET = "test-api-key-secret"


@pytest.fixture
def client(creatify_sandbox):
    with CreatifyClient() as client:
        yield client


def api_requests(sandbox):
    return [r for r in sandbox.requests if r.path.startswith("/api/aurora/")]


def test_sends_auth_headers_and_user_agent(client, creatify_sandbox):
    creatify_sandbox.add_jobs(2)
    assert len(client.list_aurora()) == 2
    (request,) = api_requests(creatify_sandbox)
    assert request.headers["X-Api-Id"] == creatify_sandbox.api_id
    assert request.headers["User-Agent"].startswith("django-creatify/")


def test_ids_are_validated_and_split_into_requests_of_100(client, creatify_sandbox):
    jobs = creatify_sandbox.add_jobs(250)
    wanted = [job["id"] for job in jobs]
    items = client.list_aurora(ids=wanted)
    assert sorted(item["id"] for item in items) == sorted(wanted)
    sent = [r.query["ids"].split(",") for r in api_requests(creatify_sandbox)]
    assert [len(chunk) for chunk in sent] == [100, 100, 50]
    with pytest.raises(ValueError, match="Not a UUID: 'nope'"):
        client.list_aurora(ids=["nope"])


def test_normalize_ids_dedupes_and_canonicalises():
    upper = "0B6F0F5E-3F1A-4F60-9A57-6F7A4C1C2D3E"
    assert normalize_ids([upper, upper.lower(), uuid.UUID(upper)]) == [upper.lower()]


def test_get_aurora_and_not_found(client, creatify_sandbox):
    (job,) = creatify_sandbox.add_jobs(1)
    assert client.get_aurora(job["id"])["id"] == job["id"]
    with pytest.raises(exceptions.NotFoundError) as caught:
        client.get_aurora(uuid.uuid4())
    assert caught.value.status == 404


def test_503_then_success_is_retried(client, creatify_sandbox, retry_waits):
    creatify_sandbox.add_jobs(3)
    creatify_sandbox.inject(Fault.status(503))
    assert len(client.list_aurora()) == 3
    assert [r.status for r in api_requests(creatify_sandbox)] == [503, 200]
    assert len(retry_waits) == 1


def test_retry_after_seconds_is_honoured(client, creatify_sandbox, retry_waits):
    creatify_sandbox.inject(Fault.status(429, retry_after="7"))
    assert client.list_aurora() == []
    assert retry_waits == [7.0]


def test_retry_after_http_date_is_honoured_and_capped(client, creatify_sandbox, retry_waits):
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    creatify_sandbox.inject(
        Fault.status(429, retry_after=soon), Fault.status(429, retry_after="9999")
    )
    client.list_aurora()
    assert 25 <= retry_waits[0] <= 30
    assert retry_waits[1] == 120.0  # RETRY_AFTER_MAX


def test_parse_retry_after():
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert parse_retry_after("3", now=now) == 3.0
    assert parse_retry_after("Sun, 22 Nov 2026 12:00:10 GMT", now=now) == 10.0
    assert parse_retry_after("Sun, 22 Nov 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None


def test_server_errors_after_every_retry_raise(client, creatify_sandbox):
    creatify_sandbox.inject(*[Fault.status(500, body=b'{"detail": "boom"}')] * 3)
    with pytest.raises(exceptions.ServerError) as caught:
        client.list_aurora()
    assert len(api_requests(creatify_sandbox)) == 3  # first try + MAX_RETRIES (2)
    assert caught.value.status == 500
    assert str(caught.value) == 'Creatify API returned HTTP 500: {"detail": "boom"}'


def test_wrong_key_is_not_retried_and_not_leaked(creatify_sandbox):
    with CreatifyClient(api_key="wrong-key-XYZ") as client:
        with pytest.raises(exceptions.AuthenticationError) as caught:
            client.list_aurora()
        assert "wrong-key-XYZ" not in repr(client)
    assert len(api_requests(creatify_sandbox)) == 1
    assert "wrong-key-XYZ" not in str(caught.value)
    assert "check CREATIFY['API_ID'] and CREATIFY['API_KEY']" in str(caught.value)


def test_other_4xx_raise_at_once_with_messages(client, creatify_sandbox):
    with pytest.raises(exceptions.InvalidRequestError) as caught:
        client.create_aurora(audio="https://x/a.ogg", image="https://x/i.png")
    assert caught.value.status == 400
    assert "audio" in caught.value.messages
    assert len(api_requests(creatify_sandbox)) == 1


def test_timeout_is_a_transport_error(creatify_sandbox):
    creatify_sandbox.inject(*[Fault.latency(1.0)] * 3)
    with CreatifyClient(timeout=0.2) as client, pytest.raises(exceptions.TransportError) as caught:
        client.list_aurora()
    assert str(caught.value) == "Creatify request GET /api/aurora/ timed out"


def test_dropped_connection_is_a_transport_error(client, creatify_sandbox):
    creatify_sandbox.inject(*[Fault.drop()] * 3)
    with pytest.raises(exceptions.TransportError, match="connection was dropped"):
        client.list_aurora()


def test_truncated_body_is_a_payload_error(client, creatify_sandbox):
    creatify_sandbox.add_jobs(5)
    creatify_sandbox.inject(Fault.truncate())
    with pytest.raises(exceptions.PayloadError, match="not valid JSON"):
        client.list_aurora()


def test_object_instead_of_array_is_a_payload_error(client, creatify_sandbox):
    creatify_sandbox.inject(Fault.body(200, b'{"results": []}'))
    with pytest.raises(exceptions.PayloadError, match=r"Expected a JSON array .* got an object"):
        client.list_aurora()


def test_nan_and_nul_are_made_storable(client, creatify_sandbox):
    creatify_sandbox.inject(Fault.body(200, b'[{"id": "x", "progress": NaN, "name": "a\\u0000b"}]'))
    assert client.list_aurora() == [{"id": "x", "progress": None, "name": "ab"}]


def test_create_posts_json_and_returns_the_new_job(client, creatify_sandbox):
    created = client.create_aurora(
        audio="https://cdn.example/voice.mp3",
        image="https://cdn.example/face.png",
        name="Launch",
        model_version="aurora_v1_fast",
    )
    assert created["status"] == "pending"
    assert creatify_sandbox.job(created["id"])["name"] == "Launch"
    (post,) = [r for r in api_requests(creatify_sandbox) if r.method == "POST"]
    assert post.headers["Content-Type"] == "application/json"


def test_create_is_not_retried_after_a_server_error(client, creatify_sandbox):
    creatify_sandbox.inject(Fault.status(503))
    with pytest.raises(exceptions.ServerError):
        client.create_aurora(audio="https://x/a.mp3", image="https://x/i.png")
    assert len(api_requests(creatify_sandbox)) == 1
    assert creatify_sandbox.payloads() == []


def test_missing_credentials_are_a_configuration_error(monkeypatch):
    monkeypatch.delenv("CREATIFY_API_ID", raising=False)
    monkeypatch.delenv("CREATIFY_API_KEY", raising=False)
    with override_settings(CREATIFY={}), pytest.raises(exceptions.ConfigurationError):
        CreatifyClient()


def test_connection_refused_is_a_transport_error():
    # Port 9 (discard) on loopback has no listener: a real refusal, not a mock.
    client = CreatifyClient(base_url="http://127.0.0.1:9", max_retries=0)
    with client, pytest.raises(exceptions.TransportError) as caught:
        client.list_aurora()
    assert SECRET not in str(caught.value)
    assert str(caught.value) == (
        "Creatify request GET /api/aurora/ could not connect or the connection was dropped"
    )
