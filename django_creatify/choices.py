"""Status and model-version vocabularies, shared by payloads, models and the API.

Choices are for display only: the database accepts values Creatify adds later.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuroraStatus(models.TextChoices):
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


FINISHED_STATUSES = frozenset({AuroraStatus.DONE, AuroraStatus.FAILED, AuroraStatus.REJECTED})
ACTIVE_STATUSES = frozenset({AuroraStatus.PENDING, AuroraStatus.IN_QUEUE, AuroraStatus.RUNNING})
KNOWN_STATUSES = FINISHED_STATUSES | ACTIVE_STATUSES
