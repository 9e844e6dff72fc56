"""How sandbox jobs move, and everything a test can make the sandbox do."""

from __future__ import annotations

import gc
import itertools
import json
import math
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from wsgiref.util import setup_testing_defaults

import pytest
import requests

from django_creatify.sandbox import Fault, Sandbox, wrong_type_items

from .sandbox_support import WebhookReceiver, api_session, free_port_url, schema_errors

AUDIO = "https://cdn.example.com/voice/take-1.mp3"
IMAGE = "https://cdn.example.com/faces/anna.png"
START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sandbox = Sandbox(manual_clock=True)
    with sandbox.serve():
        yield sandbox


@pytest.fixture
def api(sandbox: Sandbox) -> requests.Session:
    return api_session(sandbox)


def create(api: requests.Session, sandbox: Sandbox, **fields) -> dict:
    response = api.post(
        f"{sandbox.url}/api/aurora/", json={"audio": AUDIO, "image": IMAGE, **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()


def read(api: requests.Session, sandbox: Sandbox, job_id: str) -> dict:
    response = api.get(f"{sandbox.url}/api/aurora/{job_id}/")
    assert response.status_code == 200
    return response.json()


# -- the timeline -----------------------------------------------------------------------


def test_a_created_job_goes_pending_in_queue_running_done(sandbox, api):
    job = create(api, sandbox, name="Demo")
    seen = [job]
    for _ in range(120):
        sandbox.advance(0.5)
        seen.append(read(api, sandbox, job["id"]))
        if seen[-1]["status"] == "done":
            break
    statuses = [item["status"] for item in seen]
    assert list(dict.fromkeys(statuses)) == ["pending", "in_queue", "running", "done"]

    progress = [item["progress"] for item in seen]
    assert progress == sorted(progress)  # never goes back
    running = [item["progress"] for item in seen if item["status"] == "running"]
    assert running[0] == 0.0 and len(set(running)) > 10 and max(running) < 1.0
    assert all(isinstance(value, float) and 0.0 <= value <= 1.0 for value in progress)

    # updated_at moves exactly when the visible state does.
    for before, after in itertools.pairwise(seen):
        changed = (before["status"], before["progress"]) != (after["status"], after["progress"])
        assert (before["updated_at"] != after["updated_at"]) == changed
    assert seen[-1]["created_at"] == job["created_at"]

    done = seen[-1]
    assert done["progress"] == 1.0
    assert isinstance(done["duration"], int) and done["duration"] > 0
    assert done["credits_used"] == done["duration"] * 1.0
    assert done["video_output"].startswith(f"{sandbox.url}/media/video.mp4")
    assert done["preview"].startswith(f"{sandbox.url}/media/")
    assert done["editor_url"].startswith(f"{sandbox.url}/editor/{job['id']}/?token=")
    assert done["failed_reason"] == ""
    # The running phase lasts 10-40 sandbox seconds.
    assert 10 <= sum(1 for status in statuses if status == "running") * 0.5 <= 41


def test_the_fast_model_costs_half(sandbox, api):
    slow = create(api, sandbox)
    fast = create(api, sandbox, model_version="aurora_v1_fast")
    sandbox.advance(120)
    slow, fast = read(api, sandbox, slow["id"]), read(api, sandbox, fast["id"])
    assert slow["status"] == fast["status"] == "done"
    assert slow["duration"] == fast["duration"]  # same audio, same length
    assert fast["credits_used"] == slow["credits_used"] / 2 == fast["duration"] * 0.5


def test_next_outcomes_decide_how_created_jobs_end(sandbox, api):
    sandbox.next_outcomes = ["failed", "rejected"]
    failed = create(api, sandbox)
    rejected = create(api, sandbox)
    normal = create(api, sandbox)
    sandbox.advance(120)
    failed = read(api, sandbox, failed["id"])
    assert failed["status"] == "failed" and failed["failed_reason"]
    assert 0 < failed["progress"] < 1 and failed["video_output"] is None
    assert failed["credits_used"] == 0
    rejected = read(api, sandbox, rejected["id"])
    assert rejected["status"] == "rejected" and rejected["progress"] == 0.0
    assert read(api, sandbox, normal["id"])["status"] == "done"
    assert sandbox.next_outcomes == []


def test_add_job_places_jobs_in_any_state(sandbox):
    done = sandbox.add_job(status="done", name="Ready", duration=8)
    assert done["status"] == "done" and done["credits_used"] == 8.0
    sandbox.advance(1000)
    assert sandbox.job(done["id"]) == done  # final stays final

    running = sandbox.add_job(status="running", progress=0.5, outcome="failed")
    assert (running["status"], running["progress"]) == ("running", 0.5)
    sandbox.advance(1000)
    assert sandbox.job(running["id"])["status"] == "failed"

    odd = sandbox.add_job(status="paused", progress="45", credits_used="7.5", extra_field=[1])
    sandbox.advance(1000)
    assert sandbox.job(odd["id"]) == odd
    assert (odd["status"], odd["progress"], odd["extra_field"]) == ("paused", "45", [1])

    fixed_id = str(uuid.uuid4())
    past = datetime(2024, 1, 1, tzinfo=UTC)
    job = sandbox.add_job(id=fixed_id, created_at=past, status="done")
    assert job["id"] == fixed_id and job["created_at"].startswith("2024-01-01T00:00:00")
    with pytest.raises(ValueError, match="already exists"):
        sandbox.add_job(id=fixed_id)


def test_update_job_changes_fields_and_bumps_updated_at(sandbox):
    job = sandbox.add_job(status="done", name="Old")
    sandbox.advance(5)
    renamed = sandbox.update_job(job["id"], name="New")
    assert renamed["name"] == "New" and renamed["updated_at"] > job["updated_at"]
    pinned = sandbox.update_job(job["id"], is_hidden=True, updated_at="2025-01-01T00:00:00Z")
    assert pinned["updated_at"] == "2025-01-01T00:00:00Z"
    requeued = sandbox.update_job(job["id"], status="pending")
    assert (requeued["status"], requeued["progress"], requeued["video_output"]) == (
        "pending",
        0.0,
        None,
    )
    sandbox.advance(120)
    assert sandbox.job(job["id"])["status"] == "done"
    with pytest.raises(KeyError):
        sandbox.update_job(str(uuid.uuid4()), name="x")


def test_finish_all(sandbox):
    sandbox.add_jobs(12, seed=1)
    finished = sandbox.finish_all("failed")
    assert finished and all(item["status"] == "failed" for item in finished)
    assert {item["status"] for item in sandbox.payloads()} <= {"done", "failed", "rejected"}


def test_instant_speed_finishes_jobs_as_they_exist():
    sandbox = Sandbox(speed=math.inf)
    with sandbox.serve():
        job = create(api_session(sandbox), sandbox)
    assert job["status"] == "done" and job["progress"] == 1.0 and job["video_output"]


def test_a_real_clock_moves_with_speed(monkeypatch):
    real_seconds = [0.0]

    class FakeTime:
        @staticmethod
        def monotonic():
            return real_seconds[0]

        time = staticmethod(time.time)

    monkeypatch.setattr("django_creatify.sandbox.clock.time", FakeTime)
    sandbox = Sandbox(speed=10.0, start=START)
    job = sandbox.add_job(outcome="done")
    assert sandbox.job(job["id"])["status"] == "pending"
    real_seconds[0] = 0.05  # half a sandbox second
    assert sandbox.now() == START + timedelta(seconds=0.5)
    real_seconds[0] = 10.0  # 100 sandbox seconds: long enough for any job
    assert sandbox.job(job["id"])["status"] == "done"
    sandbox.advance(60)
    assert sandbox.now() == START + timedelta(seconds=160)


def test_a_manual_clock_ignores_real_time(monkeypatch):
    sandbox = Sandbox(manual_clock=True, start=START)
    monkeypatch.setattr("django_creatify.sandbox.clock.time.monotonic", lambda: 1e9)
    assert sandbox.now() == START


# -- webhooks ---------------------------------------------------------------------------


def test_the_webhook_arrives_once_with_the_documented_fields(sandbox, api):
    with WebhookReceiver() as receiver:
        job = create(api, sandbox, webhook_url=receiver.url)
        sandbox.advance(5)
        assert receiver.bodies == [] and sandbox.webhooks == []
        sandbox.advance(120)
        bodies = receiver.wait_for(1)
        assert bodies == [
            {
                "id": job["id"],
                "status": "done",
                "failed_reason": "",
                "video_output": f"{sandbox.url}/media/video.mp4?job={job['id']}",
            }
        ]
        assert receiver.headers[0]["Content-Type"] == "application/json"
        (delivered,) = sandbox.webhooks
        assert (delivered.url, delivered.status, delivered.error) == (receiver.url, 200, None)
        assert delivered.payload == bodies[0]
        sandbox.advance(1000)
        assert len(sandbox.webhooks) == 1 and len(receiver.bodies) == 1


def test_failed_jobs_send_their_reason(sandbox, api):
    with WebhookReceiver() as receiver:
        sandbox.next_outcomes = ["failed"]
        job = create(api, sandbox, webhook_url=receiver.url)
        sandbox.advance(120)
        (body,) = receiver.wait_for(1)
        assert body["id"] == job["id"] and body["status"] == "failed"
        assert body["failed_reason"] and body["video_output"] is None


def test_the_ticker_delivers_without_advance():
    sandbox = Sandbox(speed=math.inf)
    with WebhookReceiver() as receiver, sandbox.serve():
        create(api_session(sandbox), sandbox, webhook_url=receiver.url)
        (body,) = receiver.wait_for(1, timeout=5)
        assert body["status"] == "done"


def test_update_job_to_a_final_status_sends_the_webhook(sandbox):
    with WebhookReceiver() as receiver:
        job = sandbox.add_job(status="running", webhook_url=receiver.url)
        assert sandbox.webhooks == []
        sandbox.update_job(job["id"], status="rejected", failed_reason="Nope")
        assert receiver.wait_for(1)[0]["status"] == "rejected"
        assert receiver.bodies[0]["failed_reason"] == "Nope"
        sandbox.add_job(status="done", webhook_url=receiver.url)  # born final: no webhook
        sandbox.advance(100)
        assert len(receiver.bodies) == 1


def test_a_failed_delivery_is_recorded_not_raised(sandbox):
    with WebhookReceiver(status=500) as receiver:
        sandbox.add_job(status="in_queue", webhook_url=receiver.url)
        sandbox.add_job(status="in_queue", webhook_url=free_port_url())
        sandbox.advance(120)
    results = sorted(sandbox.webhooks, key=lambda delivered: delivered.status or 0)
    assert [delivered.status for delivered in results] == [None, 500]
    assert results[0].error and results[1].error == "HTTP 500"


# -- list: ordering and ids -------------------------------------------------------------


def test_default_order_is_newest_first(sandbox, api):
    sandbox.add_jobs(20, seed=2)
    items = api.get(f"{sandbox.url}/api/aurora/").json()
    created = [item["created_at"] for item in items]
    assert created == sorted(created, reverse=True)
    assert items == sandbox.payloads()


@pytest.mark.parametrize(
    "field", ["name", "progress", "credits_used", "duration", "status", "updated_at"]
)
def test_ordering_by_any_field(sandbox, api, field):
    sandbox.add_jobs(20, seed=2)
    url = f"{sandbox.url}/api/aurora/"
    ascending = api.get(url, params={"ordering": field}).json()
    descending = api.get(url, params={"ordering": f"-{field}"}).json()
    assert len(ascending) == len(descending) == 20

    def key(item):
        return (item[field] is None, item[field] if item[field] is not None else 0)

    assert [key(item) for item in ascending] == sorted(key(item) for item in ascending)
    values = [item[field] for item in descending if item[field] is not None]
    assert values == sorted(values, reverse=True)


def test_multi_field_and_unknown_ordering(sandbox, api):
    sandbox.add_jobs(20, seed=2)
    url = f"{sandbox.url}/api/aurora/"
    default = api.get(url).json()
    assert api.get(url, params={"ordering": "no_such_field"}).json() == default
    assert api.get(url, params={"ordering": "-created_at"}).json() == default
    assert api.get(url, params={"ordering": "created_at"}).json() == default[::-1]
    items = api.get(url, params={"ordering": "status,-created_at"}).json()
    pairs = [(item["status"], item["created_at"]) for item in items]
    assert pairs == sorted(pairs, key=lambda pair: (pair[0], _negate(pair[1])))


def _negate(text: str) -> list[int]:
    return [-ord(char) for char in text]


def test_ids_filter(sandbox, api):
    items = sandbox.add_jobs(10, seed=4)
    wanted = [items[1]["id"], items[7]["id"], str(uuid.uuid4()), items[1]["id"].upper()]
    response = api.get(f"{sandbox.url}/api/aurora/", params={"ids": ",".join(wanted)})
    assert response.status_code == 200
    assert sorted(item["id"] for item in response.json()) == sorted(
        [items[1]["id"], items[7]["id"]]
    )
    spaced = api.get(f"{sandbox.url}/api/aurora/", params={"ids": f" {items[2]['id']} ,"})
    assert [item["id"] for item in spaced.json()] == [items[2]["id"]]


# -- seeding ----------------------------------------------------------------------------


def test_seeding_is_repeatable():
    first = Sandbox(jobs=40, seed=11, manual_clock=True, start=START).payloads()
    second = Sandbox(jobs=40, seed=11, manual_clock=True, start=START).payloads()
    other = Sandbox(jobs=40, seed=12, manual_clock=True, start=START).payloads()
    assert first == second
    assert {item["id"] for item in first}.isdisjoint({item["id"] for item in other})
    assert len({item["id"] for item in first}) == 40


def test_seeded_jobs_cover_the_awkward_cases():
    items = Sandbox(jobs=14, seed=0, manual_clock=True).payloads()
    for item in items:
        assert not schema_errors(item)
    assert {item["status"] for item in items} == {
        "pending",
        "in_queue",
        "running",
        "done",
        "failed",
        "rejected",
    }
    names = [item["name"] for item in items]
    assert None in names and any(name and len(name) == 255 for name in names)
    assert any(name and not name.isascii() for name in names)
    assert any(name and "<script>" in name for name in names)
    assert any("text_prompt" not in item for item in items)
    assert any(item["is_hidden"] for item in items) and any(item["media_job"] for item in items)
    assert {item["model_version"] for item in items} == {"aurora_v1", "aurora_v1_fast"}
    created = [datetime.fromisoformat(item["created_at"]) for item in items]
    assert max(created) - min(created) > timedelta(hours=1)


def test_seeded_unfinished_jobs_move_on():
    sandbox = Sandbox(jobs=30, seed=5, manual_clock=True)
    sandbox.advance(3600)
    assert {item["status"] for item in sandbox.payloads()} <= {"done", "failed", "rejected"}


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


# -- media and editor -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type", "magic"),
    [
        ("/media/image.png", "image/png", b"\x89PNG\r\n\x1a\n"),
        ("/media/audio.wav", "audio/wav", b"RIFF"),
        ("/media/video.mp4", "video/mp4", b"ftyp"),
        ("/media/preview.mp4", "video/mp4", b"ftyp"),
    ],
)
def test_media_files(sandbox, path, content_type, magic):
    response = requests.get(f"{sandbox.url}{path}?job=x")  # no credentials needed
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert magic in response.content[:12]
    assert 1000 < len(response.content) < 100_000


def test_media_byte_ranges(sandbox):
    url = f"{sandbox.url}/media/video.mp4"
    full = requests.get(url).content
    part = requests.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == full[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(full)}"
    tail = requests.get(url, headers={"Range": "bytes=-5"})
    assert tail.content == full[-5:]
    assert requests.get(url, headers={"Range": f"bytes={len(full)}-"}).status_code == 416


def test_payload_links_resolve(sandbox, api):
    job = sandbox.add_job(status="done")
    for field, content_type in [
        ("video_output", "video/mp4"),
        ("preview", "video/mp4"),
        ("audio", "audio/wav"),
        ("image", "image/png"),
    ]:
        response = requests.get(job[field])
        assert response.status_code == 200, field
        assert response.headers["Content-Type"] == content_type
    editor = requests.get(job["editor_url"])
    assert editor.status_code == 200 and job["id"] in editor.text
    for token in ("forged", "ünïcode"):
        forged = requests.get(job["editor_url"].split("?")[0], params={"token": token})
        assert forged.status_code == 403


def test_head_is_get_without_a_body(sandbox, api):
    sandbox.add_jobs(3, seed=1)
    head = api.head(f"{sandbox.url}/api/aurora/")
    get = api.get(f"{sandbox.url}/api/aurora/")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(len(get.content))


def test_links_follow_the_host_the_client_used(sandbox, api):
    job = sandbox.add_job(status="done")
    other_host = api.get(
        f"{sandbox.url}/api/aurora/{job['id']}/", headers={"Host": "localhost:9999"}
    ).json()
    assert other_host["video_output"].startswith("http://localhost:9999/media/")
    assert sandbox.job(job["id"])["video_output"].startswith(sandbox.url)


def test_the_sandbox_is_a_plain_wsgi_app():
    sandbox = Sandbox(api_key="k", jobs=3, manual_clock=True)
    environ = {"PATH_INFO": "/api/aurora/", "HTTP_X_API_ID": "sandbox-id", "HTTP_X_API_KEY": "k"}
    setup_testing_defaults(environ)
    captured = {}

    def start_response(status, headers):
        captured["status"] = status

    body = b"".join(sandbox(environ, start_response))
    assert captured["status"] == "200 OK"
    items = json.loads(body)
    assert len(items) == 3 and items[0]["audio"].startswith("http://127.0.0.1/media/")


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


# -- load -------------------------------------------------------------------------------


def test_concurrent_creates_are_all_kept(sandbox):
    errors: list[BaseException] = []

    def worker():
        session = api_session(sandbox)
        try:
            for _ in range(10):
                create(session, sandbox)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(sandbox) == 80 and len({item["id"] for item in sandbox.payloads()}) == 80


def timed_listing(jobs: int) -> tuple[float, int]:
    """Seconds to list ``jobs`` fresh jobs over HTTP (each payload built for the first
    time), and how many came back. The collector is paused while timing: a collection
    landing in one of two measurements would be noise, not the listing's cost."""
    sandbox = Sandbox(jobs=jobs, seed=1, manual_clock=True)
    with sandbox.serve():
        api = api_session(sandbox)
        api.get(f"{sandbox.url}/")  # connect first: only the listing is timed
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            response = api.get(f"{sandbox.url}/api/aurora/")
            elapsed = time.perf_counter() - started
        finally:
            gc.enable()
    assert response.status_code == 200
    return elapsed, len(response.json())


def test_ten_thousand_jobs_list_in_linear_time():
    """Against a baseline taken in the same run, so that a slow machine slows both alike.
    Ten times the jobs costs about ten times as long here (6 to 19 times over many runs);
    work per job that grows with the listing would cost a hundred times."""
    small, small_count = timed_listing(1_000)
    large, large_count = timed_listing(10_000)
    assert (small_count, large_count) == (1_000, 10_000)
    assert large < 40 * small, f"1,000 jobs in {small:.3f} s, 10,000 in {large:.3f} s"
