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

# Set by tests/test_worker_lost.py, whose workers die mid-task.
if os.environ.get("CREATIFY_WORKER_SYNC_LOCK_TIMEOUT"):
    # A dead holder's lease lapses this soon, so the redelivered sync need not wait a minute.
    CREATIFY["SYNC_LOCK_TIMEOUT"] = float(os.environ["CREATIFY_WORKER_SYNC_LOCK_TIMEOUT"])
if os.environ.get("CREATIFY_WORKER_VISIBILITY_TIMEOUT"):
    # With Redis, a message a dead worker took comes back only once it has gone
    # unacknowledged for visibility_timeout (an hour by default); a restarted worker looks
    # for such messages every unacked_restore_interval * unacked_restore_throttle seconds.
    # Short here so the test sees the redelivery in seconds. unacked_mutex_expire frees the
    # restore's Redis lock soon should a worker be killed while holding it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": float(os.environ["CREATIFY_WORKER_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
        "unacked_mutex_expire": 5,
    }

# Set by tests/reliability/test_concurrency_soak.py: record every aurora_status_changed the
# worker sends, one line each, in this file (tests/transition_log.py).
if os.environ.get("CREATIFY_TRANSITIONS_FILE"):
    CELERY_IMPORTS = ["tests.transition_log"]
