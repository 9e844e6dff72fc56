"""Shared by the concurrency tests: the soak's load (:class:`Soak`), its workers and
queue, and what its run must show (``test_concurrency_soak.py``); ``chain_problems`` also
checks the transitions of the races it found (``test_concurrency_races.py``)."""

from __future__ import annotations

import itertools
import json
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable

import redis
import requests
from celery import current_app
from django.db import connections

from django_creatify import sync, tasks
from django_creatify.models import WebhookEvent
from django_creatify.sandbox import Sandbox

from ..celery_worker import WorkerProcess

DRAIN_TIMEOUT = 60.0
HTTP_TIMEOUT = 30.0
# Worker log lines that mean something went wrong; no fault is injected in the soak.
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
