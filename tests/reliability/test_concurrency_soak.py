"""Concurrency on PostgreSQL with two real Celery workers: nothing lost, nothing doubled.

For ``SOAK_SECONDS`` everything that writes mirror rows runs at once against one sandbox
whose jobs move on a real clock (``SANDBOX_SPEED`` times faster), each the way a site
really drives it:

- two ``celery worker`` processes (prefork, ``WORKER_CONCURRENCY`` processes each) on the
  test's PostgreSQL database and one private Redis queue, taking
- full syncs (``tasks.sync_aurora_flows``, single flight) and active refreshes (fanned out
  in chunks of 100) queued from threads, and ids syncs of jobs Creatify has and the mirror
  may not have yet, each queued twice so that two workers race to create the same rows;
- webhooks: the sandbox's own deliveries to this process's live server as jobs finish, and
  a flood of webhook POSTs from threads (known jobs, new jobs, ids Creatify never had);
- the REST API on the live server: jobs created (mirrored in that request) and refresh
  POSTs (queued, coalesced);
- the cron path in this process: full syncs and active refreshes straight through
  ``sync`` (without the lease ``creatify_sync`` takes, so that full syncs overlap the
  workers' ones), at the same time as the workers' ones;
- jobs added at Creatify behind the site's back, which only a sync or a webhook can find.

Then the load stops, every job is moved to its final status, the queue drains, one last full
sync runs on a worker, and:

- the mirror equals what the sandbox serves, row for row (``raw``), no job was ever marked
  missing (Creatify never dropped one) and there is no row for an id Creatify never had;
- ``aurora_status_changed``, recorded by a receiver in every process, forms for every job
  exactly one chain from ``None`` to its final status: once per real transition, none lost,
  none doubled (a job may skip statuses between two reads: that is one transition);
- the workers logged no traceback, ``IntegrityError``, deadlock, warning or error: no fault
  is injected here, so nothing is expected to fail, retry or be skipped as unreadable;
- every webhook was answered 200 and its event processed.

Runs when ``DATABASE_URL`` (PostgreSQL) and ``CELERY_BROKER_URL`` (Redis) are set; skips
otherwise, and with ``CI`` set fails instead of skipping if either service is unreachable
(``tests/services.py``).
"""

from __future__ import annotations

import secrets
import time
from collections import Counter, defaultdict

import pytest
from celery import current_app

from django_creatify import tasks
from django_creatify.models import AuroraFlow, WebhookEvent
from django_creatify.sandbox import Sandbox

from .. import transition_log
from ..celery_worker import WorkerProcess, new_queue_name
from ..helpers import served
from .concurrency_support import (
    HTTP_TIMEOUT,
    Soak,
    bad_log_lines,
    chain_problems,
    drain,
    task_outcome,
)

#: Seconds of concurrent load. The whole test takes about this plus 10 s (worker start,
#: finishing every job, draining the queue, the last sync); CI's budget for it is 90 s.
SOAK_SECONDS = 45.0
#: How many times faster sandbox jobs move: a job lives 15-52 seconds at speed 1, so most
#: of the jobs that exist during the soak go through every status while it runs.
SANDBOX_SPEED = 2.0
WORKERS = 2
WORKER_CONCURRENCY = 2
#: Jobs at Creatify before the load starts: seeded ones (every status, odd names, both model
#: versions), and new ones that go through their whole life, half of them with a webhook.
SEEDED_JOBS = 120
NEW_JOBS = 240
FINAL = {"done", "failed", "rejected"}


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def transitions_file(tmp_path):
    """Where every process appends its transitions; this process's receiver is connected."""
    path = tmp_path / "transitions.log"
    receiver = transition_log.TransitionLog(path)
    receiver.connect()
    yield path
    receiver.disconnect()


@pytest.fixture
def soak(database, live_server, settings, transitions_file, django_user_model):
    """The sandbox on a real clock, the site's settings pointing at it, two workers."""
    # A slow answer under load is not a failed delivery: wait as long as the load does.
    sandbox = Sandbox(speed=SANDBOX_SPEED, seed=7, webhook_timeout=HTTP_TIMEOUT)
    secret = secrets.token_urlsafe(24)
    with sandbox.serve() as server:
        settings.CREATIFY = {
            **settings.CREATIFY,
            "BASE_URL": server.url,
            "API_ID": sandbox.api_id,
            "API_KEY": sandbox.api_key,
            "WEBHOOK_SECRET": secret,
            "WEBHOOK_BASE_URL": live_server.url,
        }
        password = secrets.token_urlsafe(12)
        django_user_model.objects.create_user("soak", password=password, is_staff=True)
        queue = new_queue_name()
        workers = [
            WorkerProcess(
                database_name=database,
                sandbox_url=server.url,
                api_id=sandbox.api_id,
                api_key=sandbox.api_key,
                concurrency=WORKER_CONCURRENCY,
                queue=queue,
                name=f"{queue}-{number}",
                env={transition_log.ENV: str(transitions_file)},
            )
            for number in range(1, WORKERS + 1)
        ]
        conf = current_app.conf
        default_queue = conf.task_default_queue
        # What this process queues (the webhook view and the API on the live server
        # included) goes to the workers' queue.
        conf.task_default_queue = queue
        try:
            for worker in workers:
                worker.start(wait=False)
            for worker in workers:
                worker.wait_ready()
            yield Soak(sandbox, workers, live_server.url, secret, ("soak", password))
        finally:
            conf.task_default_queue = default_queue
            for worker in workers:
                worker.stop()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_syncs_refreshes_webhooks_and_api_at_once_leave_the_mirror_exact(soak, transitions_file):
    sandbox, workers = soak.sandbox, soak.workers
    seeded = sandbox.add_jobs(SEEDED_JOBS, seed=21)
    hooked = sandbox.add_jobs(NEW_JOBS // 2, status="pending", webhook_url=soak.webhook_url)
    quiet = sandbox.add_jobs(NEW_JOBS - NEW_JOBS // 2, status="pending", webhook_url=None)
    soak.ids.extend(job["id"] for job in seeded + hooked + quiet)
    tasks.sync_aurora_flows.delay()  # first, from this thread: Celery sets itself up here

    started = time.monotonic()
    threads = soak.start_load()
    soak.stop.wait(SOAK_SECONDS)
    soak.stop.set()
    for thread in threads:
        thread.join(timeout=HTTP_TIMEOUT + 5)
    assert not soak.errors, soak.errors
    assert not any(thread.is_alive() for thread in threads)
    load_seconds = time.monotonic() - started
    # The load really ran: every kind did its share (the cron thread is the slowest).
    assert {thread.name.removeprefix("soak-") for thread in threads} == set(soak.counts)
    assert all(count >= 5 for count in soak.counts.values()), soak.counts

    # Everything ends at Creatify (webhooks of jobs finishing now go out before this returns).
    sandbox.advance(3600)
    assert {job["status"] for job in sandbox.payloads()} <= FINAL
    drain(workers)
    final_sync = tasks.sync_aurora_flows.delay()
    tasks.refresh_active_aurora_flows.delay()
    drain(workers)
    # First, as it names the cause of anything below: no traceback, IntegrityError,
    # deadlock, warning or error on either worker.
    assert bad_log_lines(workers) == []

    outcome = task_outcome(workers, final_sync.id)
    assert " succeeded " in outcome and "'skipped': 0" in outcome, outcome

    truth = {item["id"]: item for item in served(sandbox)}
    rows = {str(pk): raw for pk, raw in AuroraFlow.objects.values_list("pk", "raw")}
    assert set(rows) == set(truth), "rows for ids Creatify never had, or jobs not mirrored"
    assert rows == truth
    assert not AuroraFlow.objects.filter(missing_since__isnull=False).exists()

    recorded = transition_log.read(transitions_file)
    edges = defaultdict(list)
    for line in recorded:
        edges[line.flow_id].append((line.previous, line.status))
    assert set(edges) <= set(truth), "transitions of jobs Creatify never had"
    problems = [
        problem
        for job_id, job in truth.items()
        for problem in chain_problems(job_id, edges[job_id], job["status"])
    ]
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:40])

    deliveries = list(sandbox.webhooks)
    assert deliveries and all(delivery.status == 200 for delivery in deliveries), [
        delivery for delivery in deliveries if delivery.status != 200
    ][:5]
    events = Counter(WebhookEvent.objects.values_list("outcome", flat=True))
    assert set(events) <= {"refreshed", "unknown"}, events

    # Both workers took their share of the tasks.
    succeeded = [sum(" succeeded in " in line for line in list(worker.lines)) for worker in workers]
    assert all(count > 20 for count in succeeded), succeeded
    print(
        f"\nsoak {load_seconds:.1f}s: {len(truth)} jobs, {len(recorded)} transitions, "
        f"tasks succeeded per worker {succeeded}, webhook events {dict(events)}, "
        f"sandbox deliveries {len(deliveries)}, load {dict(soak.counts)}"
    )
