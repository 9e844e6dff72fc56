"""tests/services.py: which environments skip the real-service tests and which fail them.

CI runs the suite without DATABASE_URL and CELERY_BROKER_URL (SQLite) and with both: a
leg with one of them, or with a service down, must fail rather than pass by skipping. A
fixture that fails reports its test as an error.
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgres://postgres@127.0.0.1:5432/anything"
NO_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1

NEEDS_SERVICES = """
def test_with_real_services(services):
    pass
"""


@pytest.mark.parametrize(
    ("environment", "outcome"),
    [
        ({}, "skipped"),
        ({"CI": "true"}, "skipped"),
        ({"DATABASE_URL": POSTGRES}, "skipped"),
        ({"CI": "true", "DATABASE_URL": POSTGRES}, "errors"),
        ({"CI": "true", "CELERY_BROKER_URL": NO_REDIS}, "errors"),
        (
            {"CI": "true", "DATABASE_URL": "sqlite:///db.sqlite3", "CELERY_BROKER_URL": NO_REDIS},
            "errors",
        ),
        ({"DATABASE_URL": POSTGRES, "CELERY_BROKER_URL": NO_REDIS}, "skipped"),
        ({"CI": "true", "DATABASE_URL": POSTGRES, "CELERY_BROKER_URL": NO_REDIS}, "errors"),
    ],
    ids=[
        "nothing",
        "ci-sqlite-leg",
        "postgres-only-locally",
        "ci-broker-missing",
        "ci-database-missing",
        "ci-not-postgres",
        "redis-down-locally",
        "ci-redis-down",
    ],
)
def test_services_skip_or_fail(pytester, monkeypatch, environment, outcome):
    for name in ("CI", "DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    pytester.makepyfile(NEEDS_SERVICES)
    result = pytester.runpytest_inprocess(
        "-p",
        "tests.services",
        "-p",
        "no:django",
        "-p",
        "no:django_creatify",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(**{outcome: 1})
