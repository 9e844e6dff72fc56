"""A new sandbox given the payloads an earlier one served (``restore_jobs``): the same jobs
over HTTP, finished ones as they were, unfinished ones carrying on from where they were."""

from __future__ import annotations

import json
import uuid

import pytest

from django_creatify.sandbox import FAMILIES, Sandbox, restore_jobs

from .sandbox_family_support import ALL, START, WITH_PREVIEW, assert_valid, params, url
from .sandbox_support import api_session

FINAL = {"done", "failed", "rejected"}


def listed(sandbox: Sandbox, spec) -> list[dict]:
    response = api_session(sandbox).get(url(sandbox, spec))
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def earlier():
    """A sandbox with seeded jobs of every family in every state, served."""
    sandbox = Sandbox(jobs=14, family_jobs=14, seed=5, manual_clock=True, start=START)
    sandbox.advance(2)  # some unfinished jobs have moved since they were seeded
    with sandbox.serve():
        yield sandbox


@pytest.fixture
def fresh():
    """An empty sandbox whose clock reads what the earlier one's does."""
    sandbox = Sandbox(seed=5, manual_clock=True, start=START)
    sandbox.advance(2)
    with sandbox.serve():
        yield sandbox


@params(ALL)
def test_a_new_sandbox_serves_the_restored_jobs_as_they_were(earlier, fresh, spec):
    served = listed(earlier, spec)
    assert {item["status"] for item in served} >= FINAL | {"running"}
    assert restore_jobs(fresh, spec.key, served) == len(served)
    again = listed(fresh, spec)
    # Links to the sandbox's own files follow it to its new port.
    assert again == json.loads(json.dumps(served).replace(earlier.url, fresh.url))
    for item in again:
        assert_valid(spec, item)


@params(ALL)
def test_unfinished_jobs_carry_on_from_where_they_were(earlier, fresh, spec):
    served = {item["id"]: item for item in listed(earlier, spec)}
    restore_jobs(fresh, spec.key, served.values())
    unfinished = [job_id for job_id, item in served.items() if item["status"] not in FINAL]
    assert unfinished
    fresh.advance(3600)
    for job_id in unfinished:
        now = fresh.job(job_id)
        assert now["status"] in FINAL, now
        assert float(now["progress"]) >= float(served[job_id]["progress"])
        assert now["updated_at"] > served[job_id]["updated_at"]
        if now["status"] == "done" and now["preview"] is None:
            assert now[spec.output]  # a direct create ends with its video


@params(WITH_PREVIEW)
def test_a_restored_finished_preview_can_still_be_rendered(earlier, fresh, spec):
    served = listed(earlier, spec)
    waiting = [
        item
        for item in served
        if item["status"] == "done" and item["preview"] and not item[spec.output]
    ]
    assert waiting
    restore_jobs(fresh, spec.key, served)
    rendered = fresh.render(waiting[0]["id"])
    assert rendered["status"] == "pending"
    fresh.advance(3600)
    assert fresh.job(waiting[0]["id"])[spec.output]


def test_jobs_it_has_already_and_payloads_that_are_no_job_are_left_out(fresh):
    kept = fresh.add_job(name="Already here", status="done")
    good = {**kept, "id": str(uuid.uuid4()), "name": "Restored"}
    payloads = [
        {**kept, "name": "Changed"},
        {"id": str(uuid.uuid4()), "status": "done", "created_at": "yesterday"},
        {"name": "no id"},
        good,
    ]
    assert restore_jobs(fresh, "aurora", payloads) == 1
    assert fresh.job(kept["id"])["name"] == "Already here"
    assert fresh.job(good["id"])["name"] == "Restored"
    assert sorted(FAMILIES) == sorted(ALL)
