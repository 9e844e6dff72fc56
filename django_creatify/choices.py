"""Status and model-version vocabularies, shared by payloads, models and the API.

Choices are for display only: the database accepts values Creatify adds later.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    """The statuses every family documents (some type the field as a plain string)."""

    PENDING = "pending", _("Pending")
    IN_QUEUE = "in_queue", _("In queue")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    REJECTED = "rejected", _("Rejected")


class ModelVersion(models.TextChoices):
    AURORA_V1 = "aurora_v1", _("Aurora v1")
    AURORA_V1_FAST = "aurora_v1_fast", _("Aurora v1 Fast")
    AURORA_V2 = "aurora_v2", _("Aurora v2")


# Aurora's name for it, from before there were several families.
AuroraStatus = JobStatus

FINISHED_STATUSES = frozenset({JobStatus.DONE, JobStatus.FAILED, JobStatus.REJECTED})
ACTIVE_STATUSES = frozenset({JobStatus.PENDING, JobStatus.IN_QUEUE, JobStatus.RUNNING})
KNOWN_STATUSES = FINISHED_STATUSES | ACTIVE_STATUSES
