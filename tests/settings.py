"""Test settings: the example project, with fast hashing and credentials for the sandbox."""

import os

from example_project.settings import *  # noqa: F403

if "DATABASE_URL" not in os.environ:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CREATIFY = {
    "API_ID": "test-api-id",
    "API_KEY": "test-api-key-secret",
    "BASE_URL": "http://127.0.0.1:9",
    "MAX_RETRIES": 2,
    "BACKOFF_BASE": 0.0,
    "BACKOFF_MAX": 0.0,
}
LOGGING = {"version": 1, "disable_existing_loggers": False}

# In-process tests run tasks inline; the real-worker tests start workers with their own
# settings (tests/celery_worker_settings.py), and `queued_tasks` stands in for a broker.
CELERY_TASK_ALWAYS_EAGER = True
# The example site's throttle rates would make a long run flaky; tests set rates themselves.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {}}  # noqa: F405
