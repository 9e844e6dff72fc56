"""Everything a test can make the sandbox do to a client: faults (statuses, truncated
bodies, dropped connections, latency, wrong types, any body), the request log, and the
control endpoints."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from django_creatify.sandbox import Fault, Sandbox, wrong_type_items

from .sandbox_aurora_support import (
    AUDIO,
    IMAGE,
    START,
    api_fixture,  # noqa: F401 (the api fixture)
    create,
    sandbox_fixture,  # noqa: F401 (the sandbox fixture)
)
from .sandbox_support import schema_errors

# -- faults -----------------------------------------------------------------------------


def test_status_faults_come_in_order_then_normal_service(sandbox, api):
    when = datetime(2030, 1, 1, tzinfo=UTC)
    sandbox.inject(
        Fault.status(500),
        Fault.status(502),
        Fault.status(503, retry_after=2),
        Fault.status(429, retry_after=5),
        Fault.status(429),
        Fault.status(429, retry_after=when),
        Fault.status(418, body={"detail": "teapot"}),
    )
    url = f"{sandbox.url}/api/aurora/"
    responses = [api.get(url) for _ in range(8)]
    assert [response.status_code for response in responses] == [
        500,
        502,
        503,
        429,
        429,
        429,
        418,
        200,
    ]
    assert responses[2].headers["Retry-After"] == "2"
    assert responses[3].headers["Retry-After"] == "5"
    assert "Retry-After" not in responses[4].headers
    assert responses[5].headers["Retry-After"] == "Tue, 01 Jan 2030 00:00:00 GMT"
    assert responses[1].headers["Content-Type"].startswith("text/html")
    assert responses[3].json()["detail"].startswith("Request was throttled")
    assert responses[6].json() == {"detail": "teapot"}
    assert [recorded.status for recorded in sandbox.requests] == [
        500,
        502,
        503,
        429,
        429,
        429,
        418,
        200,
    ]


def test_faults_can_target_a_method_or_path(sandbox, api):
    job = sandbox.add_job()
    sandbox.inject(Fault.status(503), method="POST")
    sandbox.inject(Fault.status(504), path_prefix=f"/api/aurora/{job['id']}/")
    url = f"{sandbox.url}/api/aurora/"
    assert api.get(url).status_code == 200
    assert api.get(f"{url}{job['id']}/").status_code == 504
    assert api.post(url, json={"audio": AUDIO, "image": IMAGE}).status_code == 503
    assert api.post(url, json={"audio": AUDIO, "image": IMAGE}).status_code == 201
    assert api.get(f"{sandbox.url}/media/image.png").status_code == 200
    sandbox.inject(Fault.status(500), Fault.status(500))
    sandbox.clear_faults()
    assert api.get(url).status_code == 200


def test_a_truncated_body_breaks_json_parsing(sandbox, api):
    sandbox.add_jobs(5, seed=1)
    sandbox.inject(Fault.truncate())
    response = api.get(f"{sandbox.url}/api/aurora/")
    assert response.status_code == 200
    assert "Content-Length" not in response.headers
    full = api.get(f"{sandbox.url}/api/aurora/").content
    assert response.content == full[: len(full) // 2]
    with pytest.raises(requests.JSONDecodeError):
        response.json()


def test_a_dropped_connection_raises_connection_error(sandbox, api):
    sandbox.inject(Fault.drop())
    with pytest.raises(requests.ConnectionError):
        api.get(f"{sandbox.url}/api/aurora/")
    assert sandbox.requests[-1].status == 0
    assert api.get(f"{sandbox.url}/api/aurora/").status_code == 200


def test_latency_delays_the_answer(sandbox, api):
    sandbox.inject(Fault.latency(0.5))
    with pytest.raises(requests.ReadTimeout):
        api.get(f"{sandbox.url}/api/aurora/", timeout=(2, 0.05))
    sandbox.inject(Fault.latency(0.05))
    started = time.monotonic()
    assert api.get(f"{sandbox.url}/api/aurora/").status_code == 200
    assert time.monotonic() - started >= 0.05


def test_wrong_types(sandbox, api):
    sandbox.inject(Fault.wrong_types())
    response = api.get(f"{sandbox.url}/api/aurora/")
    assert response.status_code == 200
    items = response.json()
    assert items == wrong_type_items(sandbox.url)
    assert not schema_errors(items[0])
    assert items[1]["id"] == "not-a-uuid"
    assert items[2]["duration"] == "abc" and items[3]["progress"] == "45"
    assert items[4]["credits_used"] == "7.5" and items[5]["status"] == 5
    assert items[6]["created_at"] == "yesterday"
    assert items[7] == "not an object" and "id" not in items[8]
    assert all(schema_errors(item) for item in items[1:])


def test_an_arbitrary_body(sandbox, api):
    sandbox.inject(Fault.body(200, b'{"results": []}'), Fault.body(200, "<html>", "text/html"))
    first = api.get(f"{sandbox.url}/api/aurora/")
    assert first.json() == {"results": []}
    second = api.get(f"{sandbox.url}/api/aurora/")
    assert second.text == "<html>" and second.headers["Content-Type"] == "text/html"


# -- the request log --------------------------------------------------------------------


def test_requests_are_logged_with_the_key_redacted(sandbox, api):
    create(api, sandbox, name="Logged")
    api.get(f"{sandbox.url}/api/aurora/", params={"ordering": "-name"})
    post, get = sandbox.requests
    assert (post.method, post.path, post.status) == ("POST", "/api/aurora/", 201)
    assert json.loads(post.body)["name"] == "Logged"
    assert post.headers["X-API-KEY"] == "***" and post.headers["x-api-id"] == "sandbox-id"
    assert "sandbox-key" not in repr(sandbox.requests) and "sandbox-key" not in repr(sandbox)
    assert (get.query, get.status, get.body) == ({"ordering": "-name"}, 200, b"")


# -- control endpoints ------------------------------------------------------------------


def test_control_endpoints(sandbox, api):
    control = f"{sandbox.url}/_sandbox"
    assert requests.get(f"{control}/").json()["jobs"] == 0
    seeded = requests.post(f"{control}/jobs", json={"count": 5, "seed": 9})
    assert seeded.status_code == 201 and len(seeded.json()) == 5
    one = requests.post(f"{control}/jobs", json={"status": "running", "name": "Remote"}).json()
    assert one["name"] == "Remote" and len(sandbox) == 6

    before = requests.get(f"{control}/").json()["now"]
    assert requests.post(f"{control}/advance", json={"seconds": 3600}).status_code == 200
    after = datetime.fromisoformat(requests.get(f"{control}").json()["now"])
    assert after - datetime.fromisoformat(before) == timedelta(hours=1)
    assert sandbox.job(one["id"])["status"] in {"done", "failed", "rejected"}

    patched = requests.patch(f"{control}/jobs/{one['id']}", json={"name": "Renamed"})
    assert patched.json()["name"] == "Renamed"
    assert requests.get(f"{control}/jobs/{uuid.uuid4()}").status_code == 404

    faults = [
        {"kind": "status", "code": 503, "retry_after": 1},
        {"kind": "body", "code": 200, "body": {"not": "a list"}},
        {"kind": "status", "code": 500, "method": "POST"},
    ]
    assert requests.post(f"{control}/faults", json=faults).json() == {"queued": 3}
    assert len(requests.get(f"{control}/faults").json()) == 3
    first = api.get(f"{sandbox.url}/api/aurora/")
    assert (first.status_code, first.headers["Retry-After"]) == (503, "1")
    assert api.get(f"{sandbox.url}/api/aurora/").json() == {"not": "a list"}
    assert requests.delete(f"{control}/faults").status_code == 204
    assert requests.get(f"{control}/faults").json() == []
    bad = requests.post(f"{control}/faults", json={"kind": "meteor"})
    assert bad.status_code == 400 and "meteor" in bad.json()["detail"]

    assert requests.post(f"{control}/outcomes", json={"outcomes": ["failed"]}).status_code == 200
    assert sandbox.next_outcomes == ["failed"]

    log = requests.get(f"{control}/requests").json()
    assert [entry["status"] for entry in log] == [503, 200]
    assert all(entry["headers"]["X-Api-Key"] == "***" for entry in log)
    assert requests.get(f"{control}/webhooks").json() == []
    assert requests.delete(f"{control}/requests").status_code == 204
    assert sandbox.requests == []

    assert requests.post(f"{control}/reset").status_code == 204
    assert len(sandbox) == 0 and sandbox.next_outcomes == []
    assert requests.get(f"{control}/nope").status_code == 404


def test_reset_restores_the_seeded_jobs():
    sandbox = Sandbox(jobs=5, seed=3, manual_clock=True, start=START)
    original = sandbox.payloads()
    sandbox.add_jobs(3)
    sandbox.inject(Fault.drop())
    sandbox.reset()
    assert sandbox.payloads() == original
    assert sandbox.pending_faults() == []
