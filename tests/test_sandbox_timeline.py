"""How a sandbox job moves: from creation through pending, in_queue and running to its
final status on a manual or a real clock, the calls that place, change and finish jobs, and
the webhook a job sends when it ends."""

from __future__ import annotations

import itertools
import math
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from django_creatify.sandbox import Sandbox

from .sandbox_aurora_support import (
    START,
    api_fixture,  # noqa: F401 (the api fixture)
    create,
    sandbox_fixture,  # noqa: F401 (the sandbox fixture)
)
from .sandbox_support import WebhookReceiver, api_session, free_port_url


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


@pytest.fixture
def real_seconds(monkeypatch) -> list[float]:
    """The real time the sandbox clock reads, moved by the test: ``real_seconds[0] = 5``."""
    seconds = [0.0]

    class FakeTime:
        @staticmethod
        def monotonic():
            return seconds[0]

        time = staticmethod(time.time)

    monkeypatch.setattr("django_creatify.sandbox.clock.time", FakeTime)
    return seconds


def test_speed_moves_jobs_faster_while_the_clock_keeps_real_time(real_seconds):
    sandbox = Sandbox(speed=10.0, start=START)
    job = sandbox.add_job(outcome="done")
    assert sandbox.job(job["id"])["status"] == "pending"
    real_seconds[0] = 0.5
    assert sandbox.now() == START + timedelta(seconds=0.5)
    # The longest life at speed 1 is 4 + 8 + 40 seconds; a tenth of it, and it is over.
    real_seconds[0] = 5.3
    finished = sandbox.job(job["id"])
    assert finished["status"] == "done"
    assert datetime.fromisoformat(finished["updated_at"]) <= START + timedelta(seconds=5.3)
    sandbox.advance(60)
    assert sandbox.now() == START + timedelta(seconds=65.3)


def test_a_fast_sandbox_serves_no_date_in_the_future():
    sandbox = Sandbox(jobs=30, seed=2, speed=1000.0)
    with sandbox.serve():
        api = api_session(sandbox)
        created = create(api, sandbox, name="Launch teaser")
        listed = []
        for family in ("aurora", "lipsyncs", "lipsyncs_v2", "ai_shorts"):
            response = api.get(f"{sandbox.url}/api/{family}/")
            assert response.status_code == 200
            listed += response.json()
        now = datetime.now(UTC)
    assert len(listed) == 30 + 3 * 6 + 1 and created["id"] in {item["id"] for item in listed}
    for item in listed:
        for name in ("created_at", "updated_at"):
            assert datetime.fromisoformat(item[name]) <= now, (name, item)
    assert abs(sandbox.now() - now) < timedelta(seconds=2)


def test_a_manual_clock_moves_jobs_at_its_speed():
    slow = Sandbox(manual_clock=True, start=START)
    fast = Sandbox(manual_clock=True, start=START, speed=4.0)
    job_id = str(uuid.uuid4())
    # At speed 1 no job is done before 1 + 2 + 11.5 seconds; at 4, every one is by 52 / 4.
    for sandbox in (slow, fast):
        sandbox.add_job(id=job_id, outcome="done")
        sandbox.advance(13.5)
    assert fast.job(job_id)["status"] == "done" and slow.job(job_id)["status"] != "done"
    assert fast.now() == slow.now() == START + timedelta(seconds=13.5)


@pytest.mark.parametrize("speed", [0, -1.0, float("nan")])
def test_speed_must_be_positive(speed):
    with pytest.raises(ValueError, match="speed"):
        Sandbox(speed=speed)


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
