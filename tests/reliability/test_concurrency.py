"""Concurrency on PostgreSQL with two real Celery workers: nothing lost, nothing doubled.

For ``SOAK_SECONDS`` everything that writes mirror rows runs at once against one sandbox
whose jobs move on a real clock (``SANDBOX_SPEED`` times real time), each the way a site
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

import itertools
import json
import random
import re
import secrets
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable

import pytest
import redis
import requests
from celery import current_app
from django.db import connections

from django_creatify import sync, tasks
from django_creatify.models import AuroraFlow, WebhookEvent
from django_creatify.sandbox import Sandbox
from django_creatify.signals import aurora_status_changed

from .. import transition_log
from ..celery_worker import WorkerProcess, new_queue_name
from ..helpers import served

#: Seconds of concurrent load. The whole test takes about this plus 10 s (worker start,
#: finishing every job, draining the queue, the last sync); CI's budget for it is 90 s.
SOAK_SECONDS = 45.0
#: Sandbox seconds per real second: a job lives 15-52 sandbox seconds, so most of the jobs
#: that exist during the soak go through every status while it runs.
SANDBOX_SPEED = 2.0
WORKERS = 2
WORKER_CONCURRENCY = 2
#: Jobs at Creatify before the load starts: seeded ones (every status, odd names, both model
#: versions), and new ones that go through their whole life, half of them with a webhook.
SEEDED_JOBS = 120
NEW_JOBS = 240
DRAIN_TIMEOUT = 60.0
FINAL = {"done", "failed", "rejected"}
HTTP_TIMEOUT = 30.0
# Worker log lines that mean something went wrong; no fault is injected in this test.
BAD_LOG_LINE = re.compile(
    r"Traceback|IntegrityError|[Dd]eadlock|: (WARNING|ERROR|CRITICAL)/|marked missing"
)


class Soak:
    """The sandbox, the live server and the workers of one run, and the load's own records."""

    def __init__(
        self,
        sandbox: Sandbox,
        workers: list[WorkerProcess],
        live_url: str,
        secret: str,
        user: tuple[str, str],
    ) -> None:
        self.sandbox = sandbox
        self.workers = workers
        self.live_url = live_url
        self.webhook_url = f"{live_url}/creatify/webhook/{secret}/"
        self.user = user
        self.rng = random.Random(9)
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.counts: Counter[str] = Counter()
        #: Every id Creatify has; ``fresh``: the newest, which the mirror may not have yet.
        self.ids: list[str] = []
        self.fresh: list[str] = []
        #: Jobs created through the site's API, so certainly mirrored.
        self.created: list[str] = []
        self.outcomes = itertools.cycle(["done", "done", "failed", "done", "rejected"])

    # -- load ---------------------------------------------------------------------------

    def run(self, name: str, interval: float, step: Callable[[requests.Session], None]):
        """A thread that calls ``step`` every ``interval`` seconds until ``stop``."""

        def loop() -> None:
            session = requests.Session()
            session.trust_env = False
            try:
                while not self.stop.is_set():
                    try:
                        step(session)
                        self.counts[name] += 1
                    except Exception as exc:  # reported by the test, with the thread's name
                        self.errors.append(f"{name}: {type(exc).__name__}: {exc}")
                        self.stop.set()  # no point loading on: end the soak now
                        return
                    self.stop.wait(interval)
            finally:
                session.close()
                connections.close_all()  # this thread's own connections

        thread = threading.Thread(target=loop, name=f"soak-{name}", daemon=True)
        thread.start()
        return thread

    def pick(self, ids: list[str]) -> str:
        return ids[self.rng.randrange(len(ids))]

    def queue_full_sync(self, session) -> None:
        tasks.sync_aurora_flows.delay()

    def queue_active_refresh(self, session) -> None:
        tasks.refresh_active_aurora_flows.delay()

    def queue_ids_sync_twice(self, session) -> None:
        ids = self.fresh[-4:] + [self.pick(self.ids) for _ in range(4)]
        # Twice at once: two workers write the same new rows concurrently.
        tasks.sync_aurora_flows.delay(ids=ids)
        tasks.sync_aurora_flows.delay(ids=ids)

    def add_at_creatify(self, session) -> None:
        """A job created outside this site (or before a crash lost its answer)."""
        webhook = self.webhook_url if self.rng.random() < 0.7 else None
        job = self.sandbox.add_job(status="pending", webhook_url=webhook)
        self.ids.append(job["id"])
        self.fresh.append(job["id"])
        # Creatify does not send it, but a hint about a job the mirror lacks can arrive.
        self.post_webhook(session, job["id"])

    def create_through_api(self, session) -> None:
        self.sandbox.next_outcomes.append(next(self.outcomes))
        base = self.sandbox.url
        response = session.post(
            f"{self.live_url}/creatify/api/aurora/",
            json={
                "audio": f"{base}/media/audio.wav?n={len(self.created)}",
                "image": f"{base}/media/image.png",
                "name": f"soak {len(self.created)}",
                "model_version": self.rng.choice(["aurora_v1", "aurora_v1_fast"]),
            },
            auth=self.user,
            timeout=HTTP_TIMEOUT,
        )
        expect(response, 201)
        job_id = response.json()["id"]
        self.ids.append(job_id)
        self.fresh.append(job_id)
        self.created.append(job_id)

    def refresh_through_api(self, session) -> None:
        job_id = self.pick(self.created) if self.created else self.pick(self.ids)
        response = session.post(
            f"{self.live_url}/creatify/api/aurora/{job_id}/refresh/",
            auth=self.user,
            timeout=HTTP_TIMEOUT,
        )
        # 404: a job the mirror has not heard of yet.
        expect(response, 202, 404)

    def flood_webhooks(self, session) -> None:
        roll = self.rng.random()
        if roll < 0.1:
            job_id = str(uuid.uuid4())  # an id Creatify never had
        elif roll < 0.5 and self.fresh:
            job_id = self.pick(self.fresh[-20:])
        else:
            job_id = self.pick(self.ids)
        self.post_webhook(session, job_id)

    def post_webhook(self, session, job_id: str) -> None:
        response = session.post(
            self.webhook_url,
            data=json.dumps({"id": job_id, "status": "done", "failed_reason": None}),
            headers={"Content-Type": "application/json"},
            timeout=HTTP_TIMEOUT,
        )
        expect(response, 200)

    def cron_in_process(self, session) -> None:
        """A cron sync next to the workers, in this process and without the lease, so
        that two full syncs do overlap."""
        if self.counts["cron"] % 2:
            sync.refresh_active_aurora_flows()
        else:
            result = sync.sync_aurora_flows()
            # Creatify never drops a job here: a job created while the sync ran is new.
            assert result.missing == 0, f"a full sync marked {result.missing} job(s) missing"

    def start_load(self) -> list[threading.Thread]:
        """One thread per kind of load; each kind's count of steps is in ``counts``."""
        return [
            self.run("full-sync", 0.7, self.queue_full_sync),
            self.run("active-refresh", 0.7, self.queue_active_refresh),
            self.run("ids-sync", 0.5, self.queue_ids_sync_twice),
            self.run("add-at-creatify", 0.4, self.add_at_creatify),
            self.run("api-create", 0.4, self.create_through_api),
            self.run("api-refresh", 0.1, self.refresh_through_api),
            self.run("webhook-flood-1", 0.02, self.flood_webhooks),
            self.run("webhook-flood-2", 0.02, self.flood_webhooks),
            self.run("cron", 2.0, self.cron_in_process),
        ]


def expect(response: requests.Response, *statuses: int) -> None:
    if response.status_code not in statuses:
        raise AssertionError(
            f"{response.request.method} {response.url}: HTTP {response.status_code} "
            f"{response.text[:300]!r}"
        )


# -- the workers and the queue ------------------------------------------------------------


def queue_length(client: redis.Redis, queue: str) -> int:
    # Kombu's Redis transport keeps one list per priority step: the name, then name\x06\x16N.
    keys = [queue, *(f"{queue}\x06\x16{step}" for step in (3, 6, 9))]
    return sum(client.llen(key) for key in keys)


def workers_idle(nodes: list[str]) -> bool:
    """Every worker answers, with nothing running, reserved or waiting for a countdown."""
    inspect = current_app.control.inspect(destination=nodes, timeout=5.0, limit=len(nodes))
    for ask in (inspect.active, inspect.reserved, inspect.scheduled):
        replies = ask() or {}
        if set(replies) != set(nodes) or any(replies.values()):
            return False
    return True


def drain(workers: list[WorkerProcess], timeout: float = DRAIN_TIMEOUT) -> None:
    """Wait until the queue is empty, the workers idle and every webhook event processed.

    Twice in a row, so that a task queued by a task that was just finishing (the active
    refresh's fan-out) is seen either in the queue or on a worker.
    """
    nodes = [worker.nodename for worker in workers]
    client = redis.Redis.from_url(workers[0].broker_url)
    deadline = time.monotonic() + timeout
    quiet = 0
    try:
        while quiet < 2:
            for worker in workers:
                if worker.process.poll() is not None:
                    raise AssertionError(f"a worker exited:\n{worker.tail()}")
            idle = (
                queue_length(client, workers[0].queue) == 0
                and not WebhookEvent.objects.filter(processed_at__isnull=True).exists()
                and workers_idle(nodes)
                and queue_length(client, workers[0].queue) == 0
            )
            quiet = quiet + 1 if idle else 0
            if time.monotonic() > deadline:
                tails = "\n".join(worker.tail() for worker in workers)
                raise AssertionError(f"not drained in {timeout}s:\n{tails}")
            time.sleep(0.2)
    finally:
        client.close()


def task_outcome(workers: list[WorkerProcess], task_id: str, timeout: float = 30.0) -> str:
    """The worker's log line saying how task ``task_id`` ended (its result is in it)."""
    pattern = re.compile(rf"\[{re.escape(task_id)}\] (succeeded|raised|retry)")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker in workers:
            for line in list(worker.lines):
                if pattern.search(line):
                    return line
        time.sleep(0.05)
    raise AssertionError(f"no log line for task {task_id}")


# -- what the run must show ----------------------------------------------------------------


def chain_problems(job_id: str, edges: list[tuple[str | None, str]], final: str) -> list[str]:
    """Why ``edges`` are not one chain ``None -> ... -> final`` using each edge once."""
    problems = []
    if len(set(edges)) != len(edges):
        doubled = sorted(str(edge) for edge, n in Counter(edges).items() if n > 1)
        problems.append(f"sent more than once: {', '.join(doubled)}")
    following = {}
    for previous, status in set(edges):
        if previous == status:
            problems.append(f"not a change: {previous} -> {status}")
        if previous in following:
            problems.append(f"two transitions from {previous}")
        following[previous] = status
    path, status = [], None
    while status in following and len(path) <= len(following):
        status = following[status]
        path.append(status)
    if not path:
        problems.append("no transition from None (creation) at all")
    elif path[-1] != final:
        problems.append(f"chain None -> {' -> '.join(path)} does not end at {final}")
    if len(path) != len(following):
        problems.append(f"transitions off the chain: {sorted(map(str, set(edges)))}")
    return [f"{job_id}: {problem}" for problem in problems]


def bad_log_lines(workers: list[WorkerProcess]) -> list[str]:
    return [line for worker in workers for line in list(worker.lines) if BAD_LOG_LINE.search(line)]


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


# -- the defects the soak found, each pinned down deterministically ------------------------


@pytest.fixture
def postgresql(transactional_db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("two transactions at once need PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def announced():
    """Every ``aurora_status_changed``, as (flow id, previous, status), from any thread."""
    calls: list[tuple[str, str | None, str]] = []

    def receiver(sender, flow, previous_status, status, **kwargs):
        calls.append((str(flow.pk), previous_status, status))

    aurora_status_changed.connect(receiver)
    yield calls
    aurora_status_changed.disconnect(receiver)


def concurrently(*writes: Callable[[], object]) -> None:
    """Run each write in a thread of its own (so a connection and transaction of its own),
    all of them past their read of existing rows before any of them inserts."""
    barrier = threading.Barrier(len(writes), timeout=10)
    errors: list[BaseException] = []
    table = AuroraFlow._meta.db_table

    def run(write: Callable[[], object]) -> None:
        held = False

        def hold_first_insert(execute, sql, params, many, context):
            nonlocal held
            if not held and sql.lstrip().upper().startswith("INSERT") and table in sql:
                held = True
                barrier.wait()
            return execute(sql, params, many, context)

        try:
            with connections["default"].execute_wrapper(hold_first_insert):
                write()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(write,)) for write in writes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, errors


@pytest.mark.django_db
def test_a_job_created_while_a_full_sync_runs_is_not_marked_missing(creatify_sandbox):
    creatify_sandbox.add_jobs(3, status="done")
    listing = served(creatify_sandbox)
    newcomer = creatify_sandbox.add_job(status="pending")

    def listing_then_a_create():
        yield from listing
        # The API mirrors a job created after the listing was fetched, while the full sync
        # is still writing it. Before the fix, the sync then marked the new job missing.
        sync.record_created_flow(newcomer)

    result = sync.apply_aurora_payloads(listing_then_a_create(), complete_listing=True)
    assert result.missing == 0
    assert not AuroraFlow.objects.filter(missing_since__isnull=False).exists()


def test_two_syncs_creating_one_job_at_once_announce_its_creation_once(
    postgresql, creatify_sandbox, announced
):
    job_id = creatify_sandbox.add_job(status="pending")["id"]
    pending = creatify_sandbox.job(job_id)
    creatify_sandbox.advance(15)
    running = creatify_sandbox.job(job_id)
    assert running["status"] == "running"

    concurrently(
        lambda: sync.apply_aurora_payloads([pending]),
        lambda: sync.apply_aurora_payloads([running]),
    )

    # Before the fix both announced a creation: (None, pending) and (None, running).
    edges = [(previous, status) for flow_id, previous, status in announced if flow_id == job_id]
    assert chain_problems(job_id, edges, "running") == []
    assert AuroraFlow.objects.get(pk=job_id).raw == running


@pytest.fixture
def slow_inserts(postgresql):
    """Each new mirror row takes 0.3 s to insert, so two batches' inserts interleave."""
    from django.db import connection

    table = connection.ops.quote_name(AuroraFlow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION creatify_test_slow_insert() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER creatify_test_slow_insert BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION creatify_test_slow_insert()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER creatify_test_slow_insert ON {table}")
            cursor.execute("DROP FUNCTION creatify_test_slow_insert()")


def test_two_syncs_inserting_the_same_new_jobs_in_opposite_orders_do_not_deadlock(
    slow_inserts, creatify_sandbox, announced
):
    first, second = creatify_sandbox.add_jobs(2, status="done")

    # Before the fix each inserted its first row, then waited for the other's: PostgreSQL
    # found the deadlock and failed one of them. Now both insert in key order.
    concurrently(
        lambda: sync.apply_aurora_payloads([first, second]),
        lambda: sync.apply_aurora_payloads([second, first]),
    )

    assert sorted(announced) == sorted((job["id"], None, "done") for job in (first, second))
    assert AuroraFlow.objects.count() == 2
