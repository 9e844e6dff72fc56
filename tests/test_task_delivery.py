"""What a task does when its message comes back after a lost delivery, how long a retry
waits, and how callers tell a task that already ran from one that was queued."""

import logging
import uuid

import pytest
from celery.exceptions import Retry
from celery.result import AsyncResult

from django_creatify import locks, task_runs, tasks
from django_creatify.exceptions import ServerError
from django_creatify.hint_store import record_hint

from .conftest import celery_eagerness

pytestmark = pytest.mark.django_db

REDELIVERED = "delivered again"


@pytest.fixture
def on_a_worker():
    with celery_eagerness(False) as conf:
        conf.task_eager_propagates = False
        yield conf


def run_delivered(task, *args, redelivered: bool):
    """Run ``task`` as a worker runs a message whose delivery info says ``redelivered``."""
    task.push_request(
        id=str(uuid.uuid4()),
        args=list(args),
        kwargs={},
        retries=0,
        delivery_info={"redelivered": redelivered},
        called_directly=False,
        # Retries raise instead of going to a broker.
        is_eager=True,
    )
    try:
        return task.run(*args)
    finally:
        task.pop_request()


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.mark.parametrize(
    ("name", "needs_job"),
    [
        ("sync_aurora_flows", False),
        ("refresh_active_aurora_flows", False),
        ("refresh_aurora_flows", True),
        ("refresh_aurora_flow", True),
    ],
)
def test_a_message_delivered_again_says_so_once_and_still_runs(
    creatify_sandbox, on_a_worker, caplog, name, needs_job
):
    (job,) = creatify_sandbox.add_jobs(1, status="done")
    task = getattr(tasks, name)
    args = () if not needs_job else ([job["id"]],) if name.endswith("flows") else (job["id"],)
    with caplog.at_level(logging.WARNING, logger="django_creatify.tasks"):
        first = run_delivered(task, *args, redelivered=False)
        assert warnings(caplog) == []
        again = run_delivered(task, *args, redelivered=True)
    assert set(again) == set(first)  # it ran: a skipped sync says only why
    (logged,) = warnings(caplog)
    assert REDELIVERED in logged and task.name in logged


def test_a_redelivered_full_sync_finding_the_lease_held_retries_just_after_it_ends(
    creatify_sandbox, on_a_worker, lease_clock, caplog
):
    holder = locks.acquire(tasks.FULL_SYNC_LEASE, 30.0)
    assert holder is not None
    lease_clock.advance(12.0)

    with caplog.at_level(logging.WARNING), pytest.raises(Retry) as retry:
        run_delivered(tasks.sync_aurora_flows, redelivered=True)

    assert retry.value.when == pytest.approx(18.0 + tasks.LEASE_END_MARGIN)
    assert tasks.LEASE_END_MARGIN >= 1.0
    assert "trying again in 19.0s" in caplog.text
    assert creatify_sandbox.requests == []
    # Delivered once only, the same sync is skipped instead: nothing was lost.
    skipped = run_delivered(tasks.sync_aurora_flows, redelivered=False)
    assert skipped["skipped"].startswith("A full sync is already running")


@pytest.mark.parametrize(("retries", "backoff"), [(0, 10.0), (2, 40.0), (9, 100.0)])
def test_a_retry_waits_at_least_half_the_backoff_and_at_most_all_of_it(
    settings, monkeypatch, retries, backoff
):
    settings.CREATIFY = {
        **settings.CREATIFY,
        "TASK_RETRY_BACKOFF": 10.0,
        "TASK_RETRY_BACKOFF_MAX": 100.0,
    }
    failure = ServerError(503)
    # The jitter at each end of its range.
    monkeypatch.setattr(task_runs.random, "uniform", lambda low, high: low)
    assert tasks.retry_countdown(failure, retries) == backoff / 2
    monkeypatch.setattr(task_runs.random, "uniform", lambda low, high: high)
    assert tasks.retry_countdown(failure, retries) == backoff


def test_only_a_task_that_ran_here_and_succeeded_counts_as_run_inline(
    creatify_sandbox, settings, queued_tasks
):
    (job,) = creatify_sandbox.add_jobs(1, status="done")
    with celery_eagerness(True) as conf:
        conf.task_eager_propagates = False
        assert tasks.ran_inline(tasks.refresh_aurora_flow.apply(args=[job["id"]]))
        settings.CREATIFY = {**settings.CREATIFY, "API_KEY": "a-wrong-key"}
        assert not tasks.ran_inline(tasks.refresh_aurora_flow.apply(args=[job["id"]]))
    queued = tasks.request_refresh(job["id"])
    assert isinstance(queued, AsyncResult) and not tasks.ran_inline(queued)
    assert not tasks.ran_inline(None)


def test_a_queued_drain_gives_its_lease_back_on_start_so_later_hints_queue_the_next(
    creatify_sandbox, queued_tasks, lease_clock
):
    first, second = [job["id"] for job in creatify_sandbox.add_jobs(2, status="done")]
    record_hint(uuid.UUID(first), {"id": first}, None)
    tasks.request_hint_drain()
    record_hint(uuid.UUID(second), {"id": second}, None)
    tasks.request_hint_drain()  # within the interval: joins the queued drain
    ((name, args, kwargs),) = queued_tasks
    assert name == tasks.process_webhook_hints.name and kwargs["lease"]

    with celery_eagerness(True):
        assert tasks.process_webhook_hints.apply(args, kwargs).get()["refreshed"] == 2
    assert locks.current_holder(tasks.HINT_DRAIN_LEASE) is None
    record_hint(uuid.UUID(first), {"id": first, "status": "done"}, None)
    tasks.request_hint_drain()
    assert len(queued_tasks) == 2
