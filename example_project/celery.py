"""The example site's Celery app; django_creatify's tasks are shared_tasks and bind to it.

Without ``CELERY_BROKER_URL`` in the environment the settings make Celery run every task
inline (eager), so the demo needs no broker; with it, tasks go to that broker's workers:

    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 celery -A example_project worker -l info
    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 celery -A example_project beat -l info
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")

app = Celery("example_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def add_creatify_schedule(sender: Celery, **kwargs) -> None:
    # After configuration, not at import: the settings module imports this package, so
    # reading CREATIFY here at import time would read half-loaded settings.
    from django_creatify.schedule import beat_schedule

    sender.conf.beat_schedule = {**beat_schedule(), **(sender.conf.beat_schedule or {})}
