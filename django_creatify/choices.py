"""Status and model-version vocabularies, shared by payloads, models and the API.

Choices are for display only: the database accepts values Creatify adds later.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import pricing, statuses


class JobStatus(models.TextChoices):
    """The statuses every family documents (some type the field as a plain string)."""

    PENDING = statuses.PENDING, _("Pending")
    IN_QUEUE = statuses.IN_QUEUE, _("In queue")
    RUNNING = statuses.RUNNING, _("Running")
    DONE = statuses.DONE, _("Done")
    FAILED = statuses.FAILED, _("Failed")
    REJECTED = statuses.REJECTED, _("Rejected")


class ModelVersion(models.TextChoices):
    AURORA_V1 = pricing.AURORA_V1, _("Aurora v1")
    AURORA_V1_FAST = pricing.AURORA_V1_FAST, _("Aurora v1 Fast")
    AURORA_V2 = pricing.AURORA_V2, _("Aurora v2")


# Aurora's name for it, from before there were several families.
AuroraStatus = JobStatus

FINISHED_STATUSES = frozenset(statuses.FINISHED)
ACTIVE_STATUSES = frozenset(statuses.ACTIVE)
KNOWN_STATUSES = FINISHED_STATUSES | ACTIVE_STATUSES
