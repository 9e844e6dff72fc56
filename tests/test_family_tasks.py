"""The Celery tasks and the schedule cover every enabled family."""

from __future__ import annotations

import pytest

from django_creatify import locks, tasks
from django_creatify.families import FAMILIES, get_family
from django_creatify.schedule import beat_schedule
from django_creatify.sync import sync_jobs

pytestmark = pytest.mark.django_db


def gets(sandbox, path):
    return [r for r in sandbox.requests if r.method == "GET" and r.path == path]


@pytest.fixture
def fanned(monkeypatch):
    """The signatures of the groups the tasks send, instead of sending them."""
    sent = []

    class Sent:
        id = "group-id"

    def apply_async(group, *args, **kwargs):
        sent.extend(group.tasks)
        return Sent()

    monkeypatch.setattr("celery.canvas.group.apply_async", apply_async)
    return sent


def test_the_scheduled_full_sync_queues_one_sync_per_enabled_family(fanned):
    outcome = tasks.sync_all_jobs.apply().get()
    assert outcome == {"families": list(FAMILIES), "group_id": "group-id"}
    assert [(signature.task, signature.args) for signature in fanned] == [
        (tasks.sync_jobs.name, (name,)) for name in FAMILIES
    ]


@pytest.mark.parametrize("name", list(FAMILIES))
def test_a_full_sync_task_of_a_family_reads_its_list_under_its_own_lease(name, creatify_sandbox):
    creatify_sandbox.add_jobs(3, family=name, status="done")
    other = "aurora" if name != "aurora" else "lipsyncs"
    held = locks.acquire(get_family(other).full_sync_lease, 30)  # another family's sync
    assert held is not None
    result = tasks.sync_jobs.apply(args=[name]).get()
    assert result["created"] == 3
    assert len(gets(creatify_sandbox, f"/api/{name}/")) == 1
    assert get_family(name).model.objects.count() == 3


def test_a_full_sync_of_a_family_already_syncing_is_skipped_and_names_the_family():
    locks.acquire(get_family("lipsyncs_v2").full_sync_lease, 30)
    result = tasks.sync_jobs.apply(args=["lipsyncs_v2"]).get()
    assert result["skipped"].startswith("A full Lipsync v2 sync is already running (")


def test_the_active_refresh_fans_out_every_familys_unfinished_jobs_100_ids_a_task(
    creatify_sandbox, fanned
):
    for name in FAMILIES:
        creatify_sandbox.add_jobs(3, family=name, status="running")
    creatify_sandbox.add_jobs(150, family="ai_shorts", status="running")
    creatify_sandbox.add_jobs(2, family="lipsyncs", status="done")
    for name in FAMILIES:
        sync_jobs(name)
    outcome = tasks.refresh_active_jobs.apply().get()
    assert (outcome["active"], outcome["chunks"]) == (162, 5)
    chunks = [(signature.args[0], len(signature.args[1])) for signature in fanned]
    assert chunks == [
        ("aurora", 3),
        ("lipsyncs", 3),
        ("lipsyncs_v2", 3),
        ("ai_shorts", 100),
        ("ai_shorts", 53),
    ]
    assert {signature.task for signature in fanned} == {tasks.refresh_jobs.name}


def test_a_disabled_family_is_neither_scheduled_nor_refreshed(creatify_sandbox, settings):
    settings.CREATIFY = {**settings.CREATIFY, "FAMILIES": ["aurora", "ai_shorts"]}
    creatify_sandbox.add_jobs(2, family="lipsyncs", status="running")
    creatify_sandbox.add_jobs(2, family="ai_shorts", status="running")
    result = tasks.sync_all_jobs.apply().get()
    assert result["families"] == ["aurora", "ai_shorts"]
    assert not gets(creatify_sandbox, "/api/lipsyncs/")
    assert get_family("ai_shorts").model.objects.count() == 2


def test_the_schedule_names_the_tasks_that_cover_every_family():
    tasks_run = {entry["task"] for entry in beat_schedule().values()}
    assert {tasks.refresh_active_jobs.name, tasks.sync_all_jobs.name} <= tasks_run


@pytest.mark.parametrize("name", [n for n in FAMILIES if n != "aurora"])
def test_a_refresh_requested_for_a_job_of_a_family_reads_that_family(name, creatify_sandbox):
    (job,) = creatify_sandbox.add_jobs(1, family=name, status="done")
    outcome = tasks.request_refresh(job["id"], name)
    assert tasks.ran_inline(outcome)
    assert get_family(name).model.objects.filter(pk=job["id"]).exists()
    assert [r.query.get("ids") for r in gets(creatify_sandbox, f"/api/{name}/")] == [job["id"]]
