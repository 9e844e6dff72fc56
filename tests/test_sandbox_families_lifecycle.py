"""Every job family the sandbox serves, over real HTTP: the life of a created job, a
preview and then its render, the webhook each job sends, and what each costs in credits."""

from __future__ import annotations

import math
import uuid

import pytest
import requests

from .sandbox_family_support import (
    ALL,
    WITH_PREVIEW,
    api_fixture,  # noqa: F401 (the api fixture)
    assert_valid,
    create,
    params,
    run_to_end,
    sandbox_fixture,  # noqa: F401 (the sandbox fixture)
    url,
)
from .sandbox_support import WebhookReceiver

# -- a created job's life -----------------------------------------------------------------


@params(ALL)
def test_a_created_job_lives_to_done_with_its_video(sandbox, api, spec):
    job = create(api, sandbox, spec, name="Made here")
    assert_valid(spec, job)
    assert (job["status"], job["name"], job[spec.output], job["preview"]) == (
        "pending",
        "Made here",
        None,
        None,
    )
    seen = run_to_end(api, sandbox, spec, job["id"])
    assert list(dict.fromkeys(item["status"] for item in seen)) == [
        "pending",
        "in_queue",
        "running",
        "done",
    ]
    progress = [float(item["progress"]) for item in seen]
    assert progress == sorted(progress) and len(set(progress)) > 10
    for item in seen:
        assert_valid(spec, item)
    done = seen[-1]
    assert float(done["progress"]) == 1.0
    assert done[spec.output] == f"{sandbox.url}/media/video.mp4?job={job['id']}"
    assert done["preview"].startswith(f"{sandbox.url}/media/")
    assert done["editor_url"].startswith(f"{sandbox.url}/editor/{job['id']}/?token=")
    assert isinstance(done["duration"], int) and done["duration"] > 0 and done["credits_used"] > 0
    if "video_thumbnail" in spec.schema["properties"]:
        assert done["video_thumbnail"].startswith(f"{sandbox.url}/media/thumbnail.png")
    # Every link in a finished job plays or shows.
    for link in ("preview", spec.output, "video_thumbnail", "editor_url"):
        if done.get(link):
            assert requests.get(done[link], timeout=5).status_code == 200, link


@params(ALL)
def test_next_outcomes_fail_a_created_job(sandbox, api, spec):
    sandbox.next_outcomes = ["failed"]
    job = create(api, sandbox, spec)
    failed = run_to_end(api, sandbox, spec, job["id"])[-1]
    assert failed["status"] == "failed" and failed["failed_reason"]
    assert failed[spec.output] is None and failed["credits_used"] == 0
    assert_valid(spec, failed)


# -- preview, then render ------------------------------------------------------------------


@params(WITH_PREVIEW)
def test_a_preview_ends_done_without_video_and_its_render_adds_it(sandbox, api, spec):
    with WebhookReceiver() as receiver:
        job = create(api, sandbox, spec, preview=True, webhook_url=receiver.url)
        assert job["status"] == "pending"
        early = api.post(url(sandbox, spec, f"{job['id']}/render/"))
        assert early.status_code == 400 and "pending" in early.json()["detail"]

        previewed = run_to_end(api, sandbox, spec, job["id"])
        assert [item["status"] for item in previewed][-2:] == ["running", "done"]
        ready = previewed[-1]
        assert_valid(spec, ready)
        assert ready[spec.output] is None and ready["preview"]
        assert ready["credits_used"] == math.ceil(ready["duration"] / 30)  # 1 per 30 s
        assert receiver.wait_for(1) == [
            {"id": job["id"], "status": "done", "failed_reason": "", spec.output: None}
        ]

        sandbox.advance(5)
        rendering = api.post(url(sandbox, spec, f"{job['id']}/render/"), json={"ignored": 1})
        assert rendering.status_code == 200, rendering.text
        started = rendering.json()
        assert_valid(spec, started)
        assert (started["status"], float(started["progress"]), started[spec.output]) == (
            "pending",
            0.0,
            None,
        )
        assert (
            started["preview"] == ready["preview"] and started["updated_at"] > ready["updated_at"]
        )
        again = api.post(url(sandbox, spec, f"{job['id']}/render/"))
        assert again.status_code == 400 and list(again.json()) == ["detail"]

        rendered = run_to_end(api, sandbox, spec, job["id"])
        assert list(dict.fromkeys(item["status"] for item in rendered)) == [
            "pending",
            "in_queue",
            "running",
            "done",
        ]
        final = rendered[-1]
        assert final[spec.output] == f"{sandbox.url}/media/video.mp4?job={job['id']}"
        assert final["duration"] == ready["duration"]
        assert final["credits_used"] == 5 * math.ceil(final["duration"] / 30)  # 1 + 4 per 30 s
        bodies = receiver.wait_for(2)
        assert bodies[1] == {
            "id": job["id"],
            "status": "done",
            "failed_reason": "",
            spec.output: final[spec.output],
        }
        assert len(sandbox.webhooks) == 2


@params(WITH_PREVIEW)
def test_only_a_finished_preview_can_be_rendered(sandbox, api, spec):
    direct = sandbox.add_job(spec.key, status="done")
    failed = sandbox.add_job(spec.key, status="failed", stage="preview")
    rendered = sandbox.add_job(spec.key, status="done", stage="render")
    for job in (direct, failed, rendered):
        response = api.post(url(sandbox, spec, f"{job['id']}/render/"))
        assert response.status_code == 400
        assert list(response.json()) == ["detail"] and response.json()["detail"]
        assert sandbox.job(job["id"]) == job
    missing = api.post(url(sandbox, spec, f"{uuid.uuid4()}/render/"))
    assert missing.status_code == 404
    with pytest.raises(ValueError, match="already been rendered"):
        sandbox.render(rendered["id"])


@params(WITH_PREVIEW)
def test_a_render_can_fail_and_keeps_the_preview(sandbox, api, spec):
    preview = sandbox.add_job(spec.key, status="done", stage="preview")
    sandbox.next_outcomes = ["failed"]
    assert api.post(url(sandbox, spec, f"{preview['id']}/render/")).status_code == 200
    failed = run_to_end(api, sandbox, spec, preview["id"])[-1]
    assert failed["status"] == "failed" and failed[spec.output] is None
    assert failed["preview"] == preview["preview"]
    # The preview was paid for; the failed render costs nothing.
    assert failed["credits_used"] == preview["credits_used"] == math.ceil(failed["duration"] / 30)


# -- webhooks ------------------------------------------------------------------------------


@params(ALL)
@pytest.mark.parametrize("outcome", ["done", "failed"])
def test_the_webhook_body(sandbox, api, spec, outcome):
    with WebhookReceiver() as receiver:
        sandbox.next_outcomes = [outcome]
        job = create(api, sandbox, spec, webhook_url=receiver.url)
        sandbox.advance(2)
        assert receiver.bodies == []
        final = run_to_end(api, sandbox, spec, job["id"])[-1]
        (body,) = receiver.wait_for(1)
    assert body == {
        "id": job["id"],
        "status": outcome,
        "failed_reason": final["failed_reason"],
        spec.output: final[spec.output],
    }
    assert (body[spec.output] is not None) == (outcome == "done")
    assert bool(body["failed_reason"]) == (outcome == "failed")


# -- credits -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "fields", "seconds", "credits"),
    [
        ("aurora", {"model_version": "aurora_v1_fast"}, 7, 3.5),
        ("lipsyncs", {}, 30, 5),
        ("lipsyncs", {"model_version": "standard"}, 31, 10),
        ("lipsyncs", {"model_version": "aurora_v1"}, 31, 31),
        ("lipsyncs_v2", {"model_version": "standard"}, 61, 15),
        ("lipsyncs_v2", {"model_version": "aurora_v1"}, 7, 7),
        ("lipsyncs_v2", {"model_version": "aurora_v1_fast"}, 7, 4),
        ("ai_shorts", {}, 45, 10),
        ("lipsyncs", {"stage": "preview"}, 45, 2),
        ("lipsyncs_v2", {"stage": "render", "model_version": "aurora_v1"}, 45, 10),
        ("ai_shorts", {"stage": "preview"}, 30, 1),
        ("ai_shorts", {"stage": "render"}, 31, 10),
    ],
)
def test_credits_follow_the_documented_prices(sandbox, key, fields, seconds, credits):
    job = sandbox.add_job(key, status="done", duration=seconds, **fields)
    assert job["credits_used"] == credits
    assert isinstance(job["credits_used"], float if key == "aurora" else int)
    running = sandbox.add_job(key, status="running", duration=seconds, **fields)
    # A render under way has paid for its preview only; anything else nothing yet.
    expected = math.ceil(seconds / 30) if fields.get("stage") == "render" else 0
    assert running["credits_used"] == expected
