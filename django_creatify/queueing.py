"""How the app's work reaches Celery: on workers, or inline when the site has none.

A site without workers sets Celery's ``task_always_eager`` (``CELERY_TASK_ALWAYS_EAGER =
True``): every task then runs in the process that queues it, and the mirror is kept fresh
by ``manage.py creatify_sync`` from cron. When a broker is configured but unreachable,
queuing raises one of ``QUEUE_ERRORS``; callers that answer a request fall back to doing
the work inline instead of failing it.
"""

from __future__ import annotations

from kombu.exceptions import OperationalError

#: What ``apply_async`` raises when the broker cannot be reached.
QUEUE_ERRORS: tuple[type[Exception], ...] = (OperationalError, OSError)


def tasks_run_inline() -> bool:
    """Whether queued tasks run at once in this process (no workers)."""
    from celery import current_app

    return bool(current_app.conf.task_always_eager)
