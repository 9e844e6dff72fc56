"""The mirror's models: one per Creatify job family on a shared abstract base, and the
app's own records. Mirror rows are written only by :mod:`django_creatify.sync`."""

from .ai_shorts import AIShort
from .archive import ArchivedOutput
from .aurora import AuroraFlow
from .base import CreatifyJob, JobQuerySet
from .lipsync import Lipsync, LipsyncV2
from .records import Lease, WebhookEvent

# The queryset's name from when Aurora was the only family.
AuroraFlowQuerySet = JobQuerySet

__all__ = [
    "AIShort",
    "ArchivedOutput",
    "AuroraFlow",
    "AuroraFlowQuerySet",
    "CreatifyJob",
    "JobQuerySet",
    "Lease",
    "Lipsync",
    "LipsyncV2",
    "WebhookEvent",
]
