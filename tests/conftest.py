from contextlib import contextmanager

import pytest
from django.conf import settings

from django_creatify.families import FAMILIES

pytest_plugins = [
    "pytester",
    "tests.services",
    "tests.webhook_support",
    "tests.archive_support",
    "tests.s3_support",
]


def pytest_report_header(config):
    database = settings.DATABASES["default"]
    broker = getattr(settings, "CELERY_BROKER_URL", "memory://")
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    return [
        f"django-creatify database: {engine} ({database.get('HOST') or 'local'})",
        f"django-creatify celery broker: {broker.split('@')[-1]}",
    ]


@pytest.fixture(autouse=True)
def retry_waits(monkeypatch):
    """Record the client's waits between retries instead of sleeping through them."""
    waits: list[float] = []
    monkeypatch.setattr("django_creatify.client.pause", waits.append)
    return waits


@contextmanager
def celery_eagerness(eager: bool):
    from celery import current_app

    conf = current_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = eager, True
    try:
        yield conf
    finally:
        conf.task_always_eager, conf.task_eager_propagates = saved


@pytest.fixture
def eager_celery():
    """Run tasks inline for this test, whatever broker the environment configured."""
    with celery_eagerness(True) as conf:
        yield conf


@pytest.fixture
def queued_to_broker():
    """Send tasks to the configured broker for this test (the suite runs them inline)."""
    with celery_eagerness(False) as conf:
        yield conf


@pytest.fixture
def queued_tasks(monkeypatch, queued_to_broker):
    """Stand in for the broker: record what would be queued instead of sending it."""
    from celery.result import AsyncResult

    queued = []

    def record(task, args=None, kwargs=None, **options):
        queued.append((task.name, list(args or []), dict(kwargs or {})))
        return AsyncResult(f"queued-{len(queued)}")

    monkeypatch.setattr("celery.app.task.Task.apply_async", record)
    return queued


@pytest.fixture(params=list(FAMILIES))
def family(request) -> str:
    """Each job family's name in turn."""
    return request.param


@pytest.fixture
def clear_admin_cache():
    """The admin caches the last sync per family: no test sees another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
