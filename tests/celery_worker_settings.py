"""Settings for a real Celery worker started by the tests and the benchmark.

The worker is another process: it reaches the test's database, the sandbox and its own
queue only through these environment variables, which ``tests/celery_worker.py`` sets.
"""

import os

from tests.settings import *  # noqa: F403

DATABASES["default"]["NAME"] = os.environ["CREATIFY_WORKER_DATABASE_NAME"]  # noqa: F405
CREATIFY = {
    **CREATIFY,  # noqa: F405
    "API_ID": os.environ["CREATIFY_API_ID"],
    "API_KEY": os.environ["CREATIFY_API_KEY"],
    "BASE_URL": os.environ["CREATIFY_BASE_URL"],
}
# A queue of its own, so a concurrent test run on the same Redis cannot steal its tasks;
# the fanned-out chunk tasks follow it because it is the default queue.
CELERY_TASK_DEFAULT_QUEUE = os.environ["CREATIFY_WORKER_QUEUE"]
CELERY_TASK_ALWAYS_EAGER = False
# One message per process at a time, so chunk tasks spread over every process.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_LOG_FORMAT = (
    "[%(asctime)s: %(levelname)s/%(processName)s pid=%(process)d] %(message)s"
)

# Set by tests/reliability/test_concurrency.py: record every aurora_status_changed the
# worker sends, one line each, in this file (tests/transition_log.py).
if os.environ.get("CREATIFY_TRANSITIONS_FILE"):
    CELERY_IMPORTS = ["tests.transition_log"]
