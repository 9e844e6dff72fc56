import pytest
from django.conf import settings

pytest_plugins = ["pytester"]


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
