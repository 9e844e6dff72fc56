"""Webhooks cannot amplify: a flood costs one drain message and a GET per 100 distinct ids.

10,000 hints name mostly ids Creatify never had and some real jobs many times. What they
may cost is counted: list requests at the sandbox, event rows, drain messages, lease rows.
The first 1,000 go through Django's test client (middleware, URL routing, the view); the
other 9,000 call the same view with ``RequestFactory`` requests, which keeps the test to
a few seconds (the receiver itself is the same code either way).
"""

import json
import math
import random
import uuid
from collections import Counter

import pytest
from celery import current_app
from django.db.models import Sum
from django.test import Client, RequestFactory

from django_creatify import hints, tasks
from django_creatify.families import FAMILIES
from django_creatify.models import AuroraFlow, Lease, WebhookEvent
from django_creatify.webhooks import aurora_webhook

from .celery_worker import WorkerProcess, new_queue_name
from .webhook_support import SECRET, URL, Outcome, list_gets, outcomes, webhook_settings

HINTS = 10_000
THROUGH_CLIENT = 1_000
REAL_JOBS, REPEATS = 50, 10
DRAIN = "django_creatify.tasks.process_webhook_hints"


@pytest.fixture
def flood(creatify_sandbox):
    """The ids of 10,000 hints: 50 real jobs 10 times each, 9,500 ids Creatify never had;
    the first a stranger, so that an inline drain of it leaves nothing to hint again."""
    real = [job["id"] for job in creatify_sandbox.add_jobs(REAL_JOBS, status="done")]
    strangers = [str(uuid.uuid4()) for _ in range(HINTS - REAL_JOBS * REPEATS)]
    rest = real * REPEATS + strangers[1:]
    random.Random(5).shuffle(rest)
    creatify_sandbox.requests.clear()
    return real, strangers, [strangers[0], *rest]


def send(flow_ids, capture) -> Counter:
    """POST a hint for each id, running what each request defers to after commit."""
    statuses: Counter[int] = Counter()
    client, factory = Client(), RequestFactory()
    with webhook_settings():
        for number, flow_id in enumerate(flow_ids):
            body = json.dumps({"id": flow_id, "status": "done", "failed_reason": None})
            with capture(execute=True):
                if number < THROUGH_CLIENT:
                    response = client.post(URL, body, content_type="application/json")
                else:
                    request = factory.post(URL, body, content_type="application/json")
                    response = aurora_webhook(request, secret=SECRET)
            statuses[response.status_code] += 1
    return statuses


def assert_recorded(flow_ids, real) -> None:
    """One event per distinct id, holding every hint; a real job's holds its ten."""
    assert WebhookEvent.objects.count() == len(set(flow_ids))
    assert WebhookEvent.objects.aggregate(total=Sum("hints"))["total"] == len(flow_ids)
    per_real = WebhookEvent.objects.filter(flow_id__in=real).values_list("hints", flat=True)
    assert sorted(per_real) == [REPEATS] * REAL_JOBS


def assert_drained(sandbox, real, gets_before: int, ids_drained: int) -> None:
    gets = list_gets(sandbox)[gets_before:]
    assert len(gets) == math.ceil(ids_drained / 100)
    assert all(len(get.query["ids"].split(",")) <= 100 for get in gets)
    assert outcomes() == {
        Outcome.REFRESHED: REAL_JOBS,
        Outcome.UNKNOWN: HINTS - REAL_JOBS * REPEATS,
    }
    assert set(
        map(
            str,
            WebhookEvent.objects.filter(outcome=Outcome.REFRESHED).values_list(
                "flow_id", flat=True
            ),
        )
    ) == set(real)
    assert sorted(map(str, AuroraFlow.objects.values_list("pk", flat=True))) == sorted(real)
    assert set(AuroraFlow.objects.values_list("status", flat=True)) == {"done"}


@pytest.mark.django_db
def test_ten_thousand_queued_hints_cost_one_message_then_a_get_per_hundred_ids(
    creatify_sandbox, flood, queued_tasks, lease_clock, django_capture_on_commit_callbacks
):
    real, _, flow_ids = flood
    assert send(flow_ids, django_capture_on_commit_callbacks) == {200: HINTS}

    assert_recorded(flow_ids, real)
    assert [name for name, _, _ in queued_tasks] == [DRAIN]  # one message, not 10,000
    assert Lease.objects.count() == 1 and creatify_sandbox.requests == []

    # The broker delivers the drain once the interval has passed.
    lease_clock.advance(5)
    (_, args, kwargs) = queued_tasks[0]
    result = tasks.process_webhook_hints.apply(args=args, kwargs=kwargs).get()

    distinct = len(set(flow_ids))
    # Aurora is asked first, 100 ids a GET; what it lacks is asked of each other family,
    # since the shared webhook URL does not say whose job a hint is about.
    others = len(FAMILIES) - 1
    unknown = distinct - REAL_JOBS
    # (A drain reads 1,000 events at a time: each chunk's last GET to a family may be short.)
    chunks = math.ceil(distinct / hints.DRAIN_CHUNK)
    least = math.ceil(distinct / 100) + others * math.ceil(unknown / 100)
    assert least <= result["requests"] <= least + others * chunks
    assert math.ceil(distinct / 100) == 96
    assert_drained(creatify_sandbox, real, 0, distinct)
    assert Lease.objects.count() == 0 and len(queued_tasks) == 1


@pytest.mark.django_db
def test_ten_thousand_inline_hints_cost_a_get_per_hundred_ids_per_interval(
    creatify_sandbox, flood, eager_celery, lease_clock, django_capture_on_commit_callbacks
):
    real, strangers, flow_ids = flood
    assert send(flow_ids, django_capture_on_commit_callbacks) == {200: HINTS}

    # The first hint was drained at once; the others wait out the interval.
    assert [get.query["ids"] for get in list_gets(creatify_sandbox)] == [strangers[0]]
    assert_recorded(flow_ids, real)
    assert WebhookEvent.objects.filter(outcome=Outcome.PENDING).count() == len(set(flow_ids)) - 1
    assert Lease.objects.count() == 1

    lease_clock.advance(5)
    tasks.request_hint_drain()  # the next webhook's, the active refresh's or the command's
    assert_drained(creatify_sandbox, real, 1, len(set(flow_ids)) - 1)


@pytest.mark.django_db
def test_a_thousand_inline_hints_for_one_job_cost_one_get(
    creatify_sandbox, deliver, eager_celery, lease_clock
):
    (job,) = creatify_sandbox.add_jobs(1, status="done")
    creatify_sandbox.requests.clear()
    with webhook_settings():
        statuses = Counter(deliver(SECRET, {"id": job["id"]}).status_code for _ in range(1000))
    assert statuses == {200: 1000}
    assert len(list_gets(creatify_sandbox)) == 1 and AuroraFlow.objects.get().status == "done"
    events = WebhookEvent.objects.order_by("pk").values_list("outcome", "hints")
    assert list(events) == [(Outcome.REFRESHED, 1), (Outcome.PENDING, 999)]


def queue_length(client, queue: str) -> int:
    # Kombu's Redis transport keeps one list per priority step: the name, then name\x06\x16N.
    return sum(client.llen(key) for key in [queue, *(f"{queue}\x06\x16{n}" for n in (3, 6, 9))])


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_with_no_worker_a_flood_leaves_one_message_and_one_lease_for_the_worker(
    database, creatify_sandbox, lease_clock
):
    import redis

    real = [job["id"] for job in creatify_sandbox.add_jobs(20, status="done")]
    strangers = [str(uuid.uuid4()) for _ in range(1000)]
    flow_ids = real * 5 + strangers
    random.Random(7).shuffle(flow_ids)
    creatify_sandbox.requests.clear()
    conf, queue = current_app.conf, new_queue_name()
    default_queue, conf.task_default_queue = conf.task_default_queue, queue
    broker = redis.Redis.from_url(conf.broker_url)
    worker = WorkerProcess(
        database_name=database,
        sandbox_url=creatify_sandbox.url,
        api_id=creatify_sandbox.api_id,
        api_key=creatify_sandbox.api_key,
        queue=queue,
    )
    try:
        client = Client()
        with webhook_settings():
            statuses = Counter(
                client.post(URL, json.dumps({"id": i}), content_type="application/json").status_code
                for i in flow_ids
            )
        assert statuses == {200: len(flow_ids)}
        assert queue_length(broker, queue) == 1 and Lease.objects.count() == 1
        assert WebhookEvent.objects.count() == len(set(flow_ids))
        assert creatify_sandbox.requests == []

        with worker:
            worker.wait_for(
                lambda: not WebhookEvent.objects.filter(outcome=Outcome.PENDING).exists(),
                60,
                "the drain",
            )
        assert len(list_gets(creatify_sandbox)) == math.ceil(len(set(flow_ids)) / 100)
        assert outcomes() == {Outcome.REFRESHED: 20, Outcome.UNKNOWN: 1000}
        assert queue_length(broker, queue) == 0 and Lease.objects.count() == 0
    finally:
        conf.task_default_queue = default_queue
        worker.stop()
        broker.close()
