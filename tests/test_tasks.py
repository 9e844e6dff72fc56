"""tasks.py and schedule.py, run in-process (``task.apply()``, eager) against the sandbox."""

import logging
import re
import threading
import uuid
from datetime import timedelta

import pytest
from celery import signals
from celery.schedules import maybe_schedule
from django.db import connection
from django.utils import timezone

from django_creatify import locks, tasks
from django_creatify.exceptions import AuthenticationError, ConfigurationError, ServerError
from django_creatify.models import AuroraFlow
from django_creatify.sandbox import Fault
from django_creatify.schedule import beat_schedule
from django_creatify.sync import sync_aurora_flows as sync_now

pytestmark = pytest.mark.django_db

LIST_PATH = "/api/aurora/"


def celery_conf(**values):
    """Set Celery options for one test, restoring them afterwards."""
    conf = tasks.refresh_aurora_flows.app.conf
    saved = {name: conf[name] for name in values}
    conf.update(values)
    yield
    conf.update(saved)


@pytest.fixture(autouse=True)
def inline():
    """Tasks run inline, as in the demo; also keeps CI's real broker out of these tests."""
    yield from celery_conf(task_always_eager=True, task_eager_propagates=True)


@pytest.fixture
def worker_like(inline):
    """``task.apply()`` behaves as on a worker: failures retry through Celery (run inline,
    their countdown recorded, not waited) and end up in the result instead of raising."""
    yield from celery_conf(task_always_eager=False, task_eager_propagates=False)


@pytest.fixture
def retries():
    """The countdown of every retry a task asked for, in order."""
    countdowns: list[float] = []

    def record(sender=None, request=None, reason=None, **kwargs):
        countdowns.append(reason.when)

    signals.task_retry.connect(record, weak=False)
    yield countdowns
    signals.task_retry.disconnect(record)


@pytest.fixture
def lease_clock(monkeypatch):
    class Clock:
        current = timezone.now()

        def advance(self, seconds):
            self.current += timedelta(seconds=seconds)

    fake = Clock()
    monkeypatch.setattr(locks, "now", lambda: fake.current)
    return fake


BUSY = re.compile(
    r"A full sync is already running \((?P<holder>[^,]+:\d+:[0-9a-f]{12}), "
    r"lease ends \d\d:\d\d:\d\d UTC\)"
)


def list_requests(sandbox):
    return [r for r in sandbox.requests if r.method == "GET" and r.path == LIST_PATH]


def settings_with(settings, **creatify):
    settings.CREATIFY = {**settings.CREATIFY, **creatify}


# -- full sync and single flight -------------------------------------------------------


def test_full_sync_task_returns_the_counts(creatify_sandbox):
    creatify_sandbox.add_jobs(30, seed=3)
    result = tasks.sync_aurora_flows.apply().get()
    assert result["created"] == 30 and result["requests"] == 1
    assert AuroraFlow.objects.count() == 30
    assert not locks.current_holder(tasks.FULL_SYNC_LEASE)


def test_two_full_syncs_started_together_one_runs_the_other_is_skipped(
    creatify_sandbox, monkeypatch, caplog
):
    creatify_sandbox.add_jobs(20, seed=4)
    real_sync = tasks.sync.sync_jobs
    second = {}

    def sync_while_another_starts(family, **kwargs):
        # The second request arrives while the first is inside its sync.
        second["holder"] = locks.current_holder(tasks.FULL_SYNC_LEASE).holder
        second["result"] = tasks.sync_aurora_flows.apply().get()
        return real_sync(family, **kwargs)

    monkeypatch.setattr(tasks.sync, "sync_jobs", sync_while_another_starts)
    with caplog.at_level(logging.INFO, logger="django_creatify.tasks"):
        first = tasks.sync_aurora_flows.apply().get()

    assert first["created"] == 20
    busy = BUSY.fullmatch(second["result"]["skipped"])
    assert busy and busy["holder"] == second["holder"]
    assert f"Creatify full sync skipped: {busy[0]}" in caplog.text
    assert len(list_requests(creatify_sandbox)) == 1
    assert not locks.current_holder(tasks.FULL_SYNC_LEASE)


@pytest.mark.django_db(transaction=True)
def test_two_full_syncs_in_parallel_threads_one_runs_the_other_is_skipped(creatify_sandbox):
    if connection.vendor == "sqlite":
        pytest.skip(
            "the test database is shared-cache in-memory SQLite, where a second writer fails "
            "with 'table is locked' instead of waiting; this runs on PostgreSQL (DATABASE_URL)"
        )
    creatify_sandbox.add_jobs(20, seed=4)
    creatify_sandbox.inject(Fault.latency(0.5))  # whoever wins is still syncing
    barrier = threading.Barrier(2)
    results: list[dict] = []

    def start_sync():
        try:
            barrier.wait()
            results.append(tasks.sync_aurora_flows.apply().get())
        finally:
            connection.close()

    threads = [threading.Thread(target=start_sync) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    skipped = [r for r in results if isinstance(r["skipped"], str)]
    ran = [r for r in results if not isinstance(r["skipped"], str)]
    assert len(skipped) == 1 and BUSY.fullmatch(skipped[0]["skipped"])
    assert len(ran) == 1 and ran[0]["created"] == 20
    assert len(list_requests(creatify_sandbox)) == 1
    assert not locks.current_holder(tasks.FULL_SYNC_LEASE)


def test_a_lease_left_by_a_dead_worker_blocks_for_a_minute_only(creatify_sandbox, lease_clock):
    creatify_sandbox.add_jobs(5, seed=5)
    # A worker took the lease and was killed mid-sync: it never renews or releases it.
    lease_clock.current = lease_clock.current.replace(hour=10, minute=0, second=5)
    locks.acquire(tasks.FULL_SYNC_LEASE, 60, holder="dead-host:4242:0123456789ab")

    lease_clock.advance(59)
    skipped = tasks.sync_aurora_flows.apply().get()
    assert skipped == {
        "skipped": "A full sync is already running "
        "(dead-host:4242:0123456789ab, lease ends 10:01:05 UTC)"
    }
    assert AuroraFlow.objects.count() == 0

    lease_clock.advance(1)
    result = tasks.sync_aurora_flows.apply().get()
    assert result["created"] == 5
    assert not locks.current_holder(tasks.FULL_SYNC_LEASE)


def test_sync_of_given_ids_does_not_take_the_full_sync_lease(creatify_sandbox):
    jobs = creatify_sandbox.add_jobs(3, seed=6)
    locks.acquire(tasks.FULL_SYNC_LEASE, 600)
    result = tasks.sync_aurora_flows.apply(kwargs={"ids": [jobs[0]["id"]]}).get()
    assert result["created"] == 1


def test_a_full_sync_retry_is_not_skipped_by_its_own_lease(creatify_sandbox, worker_like, retries):
    creatify_sandbox.add_jobs(4, seed=7)
    creatify_sandbox.inject(Fault.status(503))
    result = tasks.sync_aurora_flows.apply().get()
    assert result["created"] == 4
    assert len(retries) == 1


# -- retries ---------------------------------------------------------------------------


def test_a_503_is_retried_with_backoff_then_succeeds(
    creatify_sandbox, settings, worker_like, retries, caplog
):
    settings_with(settings, TASK_RETRY_BACKOFF=10.0)
    jobs = creatify_sandbox.add_jobs(3, seed=8)
    creatify_sandbox.inject(Fault.status(503))
    with caplog.at_level(logging.WARNING, logger="django_creatify.tasks"):
        outcome = tasks.refresh_aurora_flows.apply(args=[[job["id"] for job in jobs]])

    assert outcome.successful()
    assert outcome.get()["created"] == 3
    assert [r.status for r in list_requests(creatify_sandbox)] == [503, 200]
    assert len(retries) == 1 and 5.0 <= retries[0] <= 10.0
    assert "HTTP 503" in caplog.text and "retry 1/5" in caplog.text


def test_backoff_doubles_and_gives_up_after_the_bound(
    creatify_sandbox, settings, worker_like, retries, caplog
):
    settings_with(settings, TASK_MAX_RETRIES=3, TASK_RETRY_BACKOFF=2.0, TASK_RETRY_BACKOFF_MAX=6.0)
    job = creatify_sandbox.add_job()
    creatify_sandbox.inject(*[Fault.status(502)] * 4)
    with caplog.at_level(logging.ERROR, logger="django_creatify.tasks"):
        outcome = tasks.refresh_aurora_flow.apply(args=[job["id"]])
    assert outcome.failed() and isinstance(outcome.result, ServerError)

    assert len(list_requests(creatify_sandbox)) == 4
    assert len(retries) == 3
    for countdown, ceiling in zip(retries, [2.0, 4.0, 6.0], strict=True):
        assert ceiling / 2 <= countdown <= ceiling
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "after 3 retries, giving up" in errors[0].getMessage()


def test_retry_after_sets_the_countdown(creatify_sandbox, worker_like, retries):
    job = creatify_sandbox.add_job()
    creatify_sandbox.inject(Fault.status(429, retry_after="7"))
    outcome = tasks.refresh_aurora_flow.apply(args=[job["id"]])
    assert outcome.get()["created"] == 1
    assert retries == [7.0]


def test_retry_after_is_capped(creatify_sandbox, settings, worker_like, retries):
    settings_with(settings, RETRY_AFTER_MAX=30.0)
    job = creatify_sandbox.add_job()
    creatify_sandbox.inject(Fault.status(429, retry_after="86400"))
    tasks.refresh_aurora_flow.apply(args=[job["id"]]).get()
    assert retries == [30.0]


def test_a_401_is_not_retried_and_is_logged_once_without_the_key(
    creatify_sandbox, settings, worker_like, retries, caplog
):
    wrong_key = "wrong-key-must-not-be-logged-7f3a"
    settings_with(settings, API_KEY=wrong_key)
    job = creatify_sandbox.add_job()
    with caplog.at_level(logging.DEBUG):
        outcome = tasks.refresh_aurora_flow.apply(args=[job["id"]])

    assert outcome.failed() and isinstance(outcome.result, AuthenticationError)
    assert len(list_requests(creatify_sandbox)) == 1
    assert retries == []
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "not retrying" in errors[0].getMessage() and "HTTP 401" in errors[0].getMessage()
    assert wrong_key not in caplog.text


def test_inline_tasks_retry_in_process_as_there_is_no_broker_to_wait_in(
    creatify_sandbox, retries, retry_waits
):
    job = creatify_sandbox.add_job()
    creatify_sandbox.inject(Fault.status(503), Fault.status(429, retry_after="3"))
    assert tasks.refresh_aurora_flow.delay(job["id"]).get()["created"] == 1
    assert retries == []
    assert len(retry_waits) == 2 and retry_waits[1] == 3.0
    assert len(list_requests(creatify_sandbox)) == 3


def test_permanent_failures_are_expected_errors_for_the_worker():
    # The worker then records them without a second, traceback-sized log entry.
    for task in (tasks.sync_aurora_flows, tasks.refresh_aurora_flow, tasks.refresh_aurora_flows):
        assert issubclass(AuthenticationError, task.throws)


def test_missing_credentials_fail_without_retrying(
    creatify_sandbox, settings, worker_like, retries
):
    settings_with(settings, API_ID=None, API_KEY=None)
    outcome = tasks.sync_aurora_flows.apply()
    assert isinstance(outcome.result, ConfigurationError)
    assert "credentials are missing" in str(outcome.result)
    assert retries == []
    assert creatify_sandbox.requests == []


# -- active refresh fan-out -------------------------------------------------------------


def test_active_refresh_fans_out_one_task_per_100_ids(creatify_sandbox):
    creatify_sandbox.add_jobs(250, seed=9, status="running", progress=0.1)
    creatify_sandbox.add_jobs(20, seed=10, status="done")
    sync_now()
    active = AuroraFlow.objects.active().count()
    assert 200 < active <= 250
    creatify_sandbox.clear_requests()
    creatify_sandbox.advance(3600)

    summary = tasks.refresh_active_aurora_flows.apply().get()

    assert summary["active"] == active and summary["chunks"] == 3 and summary["group_id"]
    fetched = list_requests(creatify_sandbox)
    assert sorted(len(r.query["ids"].split(",")) for r in fetched) == [active - 200, 100, 100]
    assert AuroraFlow.objects.active().count() == 0
    served = {job["id"]: job["status"] for job in creatify_sandbox.payloads()}
    assert {str(pk): status for pk, status in AuroraFlow.objects.values_list("pk", "status")} == (
        served
    )


def test_active_refresh_with_nothing_active_sends_nothing(creatify_sandbox):
    assert tasks.refresh_active_aurora_flows.apply().get() == {
        "active": 0,
        "chunks": 0,
        "group_id": None,
    }
    assert creatify_sandbox.requests == []


# -- one job, coalesced ---------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    """Stand in for a broker: record what would be queued instead of running it."""
    messages: list[dict] = []

    def enqueue(args=None, kwargs=None, **options):
        messages.append({"args": args, "kwargs": kwargs})
        return f"task-{len(messages)}"

    monkeypatch.setattr(tasks.refresh_aurora_flow, "apply_async", enqueue)
    return messages


def test_refresh_requests_for_one_job_coalesce_until_the_task_starts(creatify_sandbox, queued):
    job = creatify_sandbox.add_job()
    assert tasks.request_refresh(job["id"]) == "task-1"
    assert tasks.request_refresh(job["id"]) is None
    assert tasks.request_refresh(job["id"].upper()) is None
    other = creatify_sandbox.add_job()
    assert tasks.request_refresh(other["id"]) == "task-2"
    assert len(queued) == 2

    # The queued task starts: from now on a change needs a fetch of its own.
    tasks.refresh_aurora_flow.apply(args=queued[0]["args"], kwargs=queued[0]["kwargs"]).get()
    assert AuroraFlow.objects.filter(pk=job["id"]).exists()
    assert tasks.request_refresh(job["id"]) == "task-3"


def test_a_lost_refresh_stops_coalescing_after_its_timeout(
    creatify_sandbox, settings, queued, lease_clock
):
    settings_with(settings, REFRESH_COALESCE_TIMEOUT=60)
    flow_id = str(uuid.uuid4())
    assert tasks.request_refresh(flow_id) == "task-1"
    lease_clock.advance(59)
    assert tasks.request_refresh(flow_id) is None
    lease_clock.advance(1)
    assert tasks.request_refresh(flow_id) == "task-2"


def test_request_refresh_runs_inline_when_eager(creatify_sandbox):
    job = creatify_sandbox.add_job()
    outcome = tasks.request_refresh(job["id"])
    assert outcome.get()["created"] == 1
    assert tasks.request_refresh(job["id"]).get()["unchanged"] == 1


def test_request_refresh_refuses_a_non_uuid(queued):
    with pytest.raises(ValueError, match="Not a UUID"):
        tasks.request_refresh("../../etc")
    assert queued == []


# -- schedule --------------------------------------------------------------------------


def test_beat_schedule_follows_the_settings(settings):
    settings_with(settings, ACTIVE_REFRESH_INTERVAL=15, FULL_SYNC_INTERVAL=1800)
    schedule = beat_schedule()
    app = tasks.refresh_aurora_flows.app
    runs = {entry["task"]: maybe_schedule(entry["schedule"]) for entry in schedule.values()}
    assert runs[tasks.refresh_active_jobs.name].run_every == timedelta(seconds=15)
    assert runs[tasks.sync_all_jobs.name].run_every == timedelta(seconds=1800)
    assert all(name in app.tasks for name in runs)
    assert runs[tasks.purge_webhook_events.name].run_every == timedelta(days=1)
    assert {entry["options"]["expires"] for entry in schedule.values()} == {15.0, 1800.0, 86400.0}


def test_the_example_project_runs_the_schedule():
    from example_project.celery import app

    assert set(beat_schedule()) <= set(app.conf.beat_schedule)
