"""A real Celery worker (Redis broker, PostgreSQL) dies mid-task, and no work is lost.

The task is a full sync, the one task that holds a lease. The sandbox holds its GET
(``Fault.latency``), so the worker is deterministically inside the task when it is
killed: the test waits for the request to reach the sandbox, never for a guessed time.

- Killing the whole worker (main process and pool, SIGKILL): nothing is acknowledged, so
  Redis hands the message out again once it has gone unacknowledged for the transport's
  ``visibility_timeout``, set to seconds for these workers
  (``tests/celery_worker_settings.py``); a restarted worker runs it.
- Killing only the pool process: the worker's main process sees it die and requeues the
  message at once (``reject_on_worker_lost``), whatever the visibility timeout.

Either way the dead holder's lease is no longer renewed and lapses within
``SYNC_LOCK_TIMEOUT`` (seconds here), the redelivered sync takes it over, and the mirror
ends equal to the sandbox. The worker tests run in CI's PostgreSQL + Redis leg
(``tests/services.py``).
"""

import pytest

from django_creatify import locks, tasks
from django_creatify.models import AuroraFlow
from django_creatify.sandbox import Fault

from .celery_worker import WorkerProcess

JOBS = 50
VISIBILITY_TIMEOUT = 8.0
DEADLINE = 60.0
SYNC_TASK = tasks.sync_aurora_flows.name


@pytest.fixture
def listed_jobs(database, creatify_sandbox):
    jobs = creatify_sandbox.add_jobs(JOBS, seed=21, webhook_url=None)
    # The first list request hangs far longer than the test: the worker is blocked in it.
    creatify_sandbox.inject(Fault.latency(600))
    return jobs


def start_worker(
    sandbox, database, *, lease_ttl, visibility_timeout=None, **options
) -> WorkerProcess:
    env = {"CREATIFY_WORKER_SYNC_LOCK_TIMEOUT": str(lease_ttl)}
    if visibility_timeout is not None:
        env["CREATIFY_WORKER_VISIBILITY_TIMEOUT"] = str(visibility_timeout)
    return WorkerProcess(
        database_name=database,
        sandbox_url=sandbox.url,
        api_id=sandbox.api_id,
        api_key=sandbox.api_key,
        pool="prefork",
        concurrency=1,
        env=env,
        **options,
    )


def list_requests(sandbox):
    return [r for r in sandbox.requests if r.method == "GET" and r.path == "/api/aurora/"]


def start_sync_and_wait_inside_it(worker: WorkerProcess, sandbox) -> str:
    """Queue a full sync; return its lease holder once it is blocked in its GET and the
    live worker has renewed its lease."""
    tasks.sync_aurora_flows.apply_async(queue=worker.queue)
    worker.wait_for(lambda: list_requests(sandbox), DEADLINE, "the sync's GET")
    lease = locks.current_holder(tasks.FULL_SYNC_LEASE)
    assert lease is not None, worker.tail()

    def renewed():
        current = locks.current_holder(tasks.FULL_SYNC_LEASE)
        assert current is not None and current.holder == lease.holder, worker.tail()
        return current.expires_at > lease.expires_at

    worker.wait_for(renewed, DEADLINE, "a renewal of the live lease")
    return lease.holder


def assert_synced_after_the_loss(worker: WorkerProcess, sandbox, dead_holder: str) -> None:
    worker.wait_for(lambda: AuroraFlow.objects.count() == JOBS, DEADLINE, "the redelivered sync")
    worker.wait_for(lambda: worker.succeeded(SYNC_TASK), 10, "the sync's log line")
    served = {job["id"]: job["status"] for job in sandbox.payloads()}
    mirrored = {str(pk): status for pk, status in AuroraFlow.objects.values_list("pk", "status")}
    assert mirrored == served
    log = "\n".join(worker.lines)
    assert f"{SYNC_TASK}[" in log and "delivered again" in log, worker.tail()
    assert f"while held by {dead_holder} (a worker that died?); taken over" in log, worker.tail()
    assert len(list_requests(sandbox)) == 2  # the lost GET and the one that finished
    assert locks.current_holder(tasks.FULL_SYNC_LEASE) is None


def real_worker(test):
    return pytest.mark.services(pytest.mark.django_db(transaction=True)(test))


def test_every_task_is_acknowledged_late_and_requeued_if_its_worker_dies():
    # Without both, the two tests below lose the sync (the broker forgets the message).
    app = tasks.sync_aurora_flows.app
    ours = [task for name, task in app.tasks.items() if name.startswith(tasks.__name__ + ".")]
    assert {task.name for task in ours} >= {
        tasks.sync_aurora_flows.name,
        tasks.refresh_active_aurora_flows.name,
        tasks.refresh_aurora_flows.name,
        tasks.refresh_aurora_flow.name,
        tasks.purge_webhook_events.name,
    }
    for task in ours:
        assert task.acks_late is True and task.reject_on_worker_lost is True, task.name


@real_worker
def test_a_full_sync_killed_with_its_whole_worker_runs_again_on_a_new_worker(
    creatify_sandbox, database, listed_jobs
):
    # A short lease: long lapsed by the time Redis hands the message out again.
    first = start_worker(
        creatify_sandbox, database, lease_ttl=1.5, visibility_timeout=VISIBILITY_TIMEOUT
    )
    try:
        first.start()
        dead_holder = start_sync_and_wait_inside_it(first, creatify_sandbox)
        first.kill()
    finally:
        first.stop()
    assert AuroraFlow.objects.count() == 0

    with start_worker(
        creatify_sandbox,
        database,
        lease_ttl=1.5,
        visibility_timeout=VISIBILITY_TIMEOUT,
        queue=first.queue,
        name=f"{first.name}-restarted",
    ) as second:
        assert_synced_after_the_loss(second, creatify_sandbox, dead_holder)


@real_worker
def test_a_full_sync_whose_pool_process_is_killed_is_requeued_at_once(
    creatify_sandbox, database, listed_jobs
):
    # The default visibility timeout (an hour): only the requeue can bring the task back.
    # The lease outlives the requeue by seconds, so the redelivered sync finds it held.
    with start_worker(creatify_sandbox, database, lease_ttl=6.0) as worker:
        dead_holder = start_sync_and_wait_inside_it(worker, creatify_sandbox)
        (pid,) = worker.kill_pool_processes()
        assert f":{pid}:" in dead_holder
        assert_synced_after_the_loss(worker, creatify_sandbox, dead_holder)
        # It found the dead process's lease still held and waited for it to lapse.
        assert "perhaps the lost delivery's; trying again in" in "\n".join(worker.lines)
