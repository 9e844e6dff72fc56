"""Fixtures for tests that need the real services CI provides: PostgreSQL and Redis.

Loaded as a plugin by ``tests/conftest.py``. ``services`` skips a test unless
``CELERY_BROKER_URL`` (Redis) and a PostgreSQL ``DATABASE_URL`` are set. CI runs the suite
twice, once with neither (SQLite) and once with both, so with ``CI`` set it still skips
when neither is set, and fails instead of skipping when only one is set, when
``DATABASE_URL`` is not PostgreSQL or when either service is unreachable. ``database`` is
the test database name, with committed rows another process (a Celery worker) can read,
and tasks sent to the broker instead of run inline.
"""

import os
from urllib.parse import urlsplit

import pytest

NEEDED = ("CELERY_BROKER_URL", "DATABASE_URL")


def unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def services():
    broker = os.environ.get("CELERY_BROKER_URL", "")
    database = os.environ.get("DATABASE_URL", "")
    if not broker and not database:
        pytest.skip(
            "a real Celery worker needs CELERY_BROKER_URL (Redis) and DATABASE_URL "
            "(PostgreSQL) in the environment, as CI sets them"
        )
    if not broker or not database:
        missing, given = NEEDED if not broker else NEEDED[::-1]
        unavailable(f"{given} is set but {missing} is not: a real Celery worker needs both")
    if urlsplit(database).scheme.split("+")[0] not in ("postgres", "postgresql", "pgsql"):
        unavailable("a worker in another process needs a shared database: use PostgreSQL")
    import redis

    client = redis.Redis.from_url(broker, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at {urlsplit(broker).netloc} is unreachable: {exc}")
    finally:
        client.close()


@pytest.fixture
def database(services, transactional_db, queued_to_broker):
    """The test database, committed rows only, reachable from another process."""
    from django.db import DatabaseError, connection

    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        unavailable(f"PostgreSQL is unreachable: {exc}")
    return connection.settings_dict["NAME"]
