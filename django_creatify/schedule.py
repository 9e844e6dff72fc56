"""The periodic work a host site hands to Celery beat, in one line.

    from django_creatify.schedule import beat_schedule
    app.conf.beat_schedule = {**beat_schedule(), **your_own_entries}

django-celery-beat's ``DatabaseScheduler`` copies ``app.conf.beat_schedule`` into its
``PeriodicTask`` rows when beat starts, so the same line works there too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .conf import creatify_settings

REFRESH_ACTIVE_TASK = "django_creatify.tasks.refresh_active_jobs"
FULL_SYNC_TASK = "django_creatify.tasks.sync_all_jobs"
PURGE_WEBHOOK_EVENTS_TASK = "django_creatify.tasks.purge_webhook_events"
CHECK_CREDITS_TASK = "django_creatify.tasks.check_credits"
CHECK_CREDITS_INTERVAL = timedelta(hours=1)


def beat_schedule() -> dict[str, dict[str, Any]]:
    """For every enabled family, active refresh every ``ACTIVE_REFRESH_INTERVAL`` s and full
    sync every ``FULL_SYNC_INTERVAL`` s; a daily purge of webhook events older than
    ``WEBHOOK_RETENTION_DAYS``; and, when ``CREDITS_WARNING_THRESHOLD`` is set, an hourly
    credit check (without a threshold it would have nothing to say).

    A tick that no worker picks up before the next one expires instead of piling up while
    workers are down: the next tick does the same work with fresher data.
    """
    refresh = float(creatify_settings.ACTIVE_REFRESH_INTERVAL)
    full = float(creatify_settings.FULL_SYNC_INTERVAL)
    schedule = {
        "creatify-refresh-active-jobs": {
            "task": REFRESH_ACTIVE_TASK,
            "schedule": timedelta(seconds=refresh),
            "options": {"expires": refresh},
        },
        "creatify-sync-all-jobs": {
            "task": FULL_SYNC_TASK,
            "schedule": timedelta(seconds=full),
            "options": {"expires": full},
        },
        "creatify-purge-webhook-events": {
            "task": PURGE_WEBHOOK_EVENTS_TASK,
            "schedule": timedelta(days=1),
            "options": {"expires": timedelta(days=1).total_seconds()},
        },
    }
    if creatify_settings.CREDITS_WARNING_THRESHOLD is not None:
        schedule["creatify-check-credits"] = {
            "task": CHECK_CREDITS_TASK,
            "schedule": CHECK_CREDITS_INTERVAL,
            "options": {"expires": CHECK_CREDITS_INTERVAL.total_seconds()},
        }
    return schedule
