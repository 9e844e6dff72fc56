"""A real Celery worker (Redis broker, PostgreSQL) refreshes 1,000 active jobs.

The worker is a subprocess (``celery -A example_project worker``) on the test's own
PostgreSQL database, a queue of its own and the sandbox served by this process. Runs when
``CELERY_BROKER_URL`` and a PostgreSQL ``DATABASE_URL`` are set, as in CI; skips
otherwise, and with ``CI`` set fails instead of skipping if either service is unreachable
(the ``services`` and ``database`` fixtures, in ``tests/services.py``).
"""

import pytest

from django_creatify.models import AuroraFlow
from django_creatify.sync import sync_aurora_flows
from django_creatify.tasks import refresh_active_aurora_flows

from .celery_worker import WorkerProcess

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

JOBS = 1000
DEADLINE = 60.0
FINAL = {"done", "failed", "rejected"}


@pytest.fixture
def active_jobs(database, creatify_sandbox):
    """1,000 unfinished jobs mirrored in the database, which the sandbox then finishes."""
    # No webhook URLs: this is about polling, and each delivery would be a DNS lookup.
    creatify_sandbox.add_jobs(JOBS, seed=11, status="running", progress=0.1, webhook_url=None)
    sync_aurora_flows()
    active = AuroraFlow.objects.active().count()
    assert active > 0.9 * JOBS
    creatify_sandbox.advance(3600)
    assert all(job["status"] in FINAL for job in creatify_sandbox.payloads())
    creatify_sandbox.clear_requests()
    return active


def start_worker(sandbox, database, **pool) -> WorkerProcess:
    return WorkerProcess(
        database_name=database,
        sandbox_url=sandbox.url,
        api_id=sandbox.api_id,
        api_key=sandbox.api_key,
        **pool,
    )


def refresh_through(worker: WorkerProcess, sandbox, active: int) -> dict[str, str]:
    """Queue the active refresh, wait for the rows, return chunk task id -> worker pid."""
    refresh_active_aurora_flows.apply_async(queue=worker.queue)
    worker.wait_for(
        lambda: not AuroraFlow.objects.active().exists(), DEADLINE, "the active refresh"
    )
    chunks = -(-active // 100)
    worker.wait_for(lambda: len(worker.succeeded()) >= chunks, 10, "the chunk log lines")

    served = {job["id"]: job["status"] for job in sandbox.payloads()}
    mirrored = {str(pk): status for pk, status in AuroraFlow.objects.values_list("pk", "status")}
    assert mirrored == served
    fetches = [r for r in sandbox.requests if r.path == "/api/aurora/"]
    assert len(fetches) == chunks
    assert all(len(r.query["ids"].split(",")) <= 100 for r in fetches)
    return worker.succeeded()


def test_one_worker_process_refreshes_1000_jobs_in_at_least_10_subtasks(
    creatify_sandbox, database, active_jobs
):
    with start_worker(creatify_sandbox, database, pool="solo") as worker:
        chunks = refresh_through(worker, creatify_sandbox, active_jobs)
    assert len(chunks) >= 10
    assert len(set(chunks.values())) == 1


def test_two_worker_processes_split_the_subtasks(creatify_sandbox, database, active_jobs):
    with start_worker(creatify_sandbox, database, pool="prefork", concurrency=2) as worker:
        chunks = refresh_through(worker, creatify_sandbox, active_jobs)
    assert len(chunks) >= 10
    pids = set(chunks.values())
    assert len(pids) == 2, worker.tail()
