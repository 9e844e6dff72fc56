"""What every mirrored job has, whatever its family: Creatify's common fields, the sync's
bookkeeping, and the conveniences the admin and API show."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Self, TypeVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import FINISHED_STATUSES, JobStatus
from ..conf import creatify_settings

if TYPE_CHECKING:
    from ..families import Family


_J = TypeVar("_J", bound="CreatifyJob")


class JobQuerySet(models.QuerySet[_J]):
    def finished(self) -> Self:
        return self.filter(status__in=FINISHED_STATUSES)

    def active(self) -> Self:
        """Everything not finished, including statuses Creatify may add later."""
        return self.exclude(status__in=FINISHED_STATUSES)


class CreatifyJob(models.Model):
    """A Creatify job, mirrored. Rows are written only by :mod:`django_creatify.sync`.

    URLs are ``TextField``: Creatify hands out signed CDN URLs far longer than 200
    characters. Remote text is stored as sent and must be escaped wherever it is shown.
    Each concrete model adds its family's own fields; ``raw`` keeps the whole payload.
    """

    Status = JobStatus

    id = models.UUIDField(_("id"), primary_key=True, editable=False)
    created_at = models.DateTimeField(_("created at"), null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True, db_index=True)
    name = models.TextField(_("name"), null=True, blank=True)
    credits_used = models.FloatField(_("credits used"), null=True, blank=True)
    duration = models.IntegerField(_("duration (s)"), null=True, blank=True)
    progress = models.FloatField(_("progress (as sent)"), null=True, blank=True)
    failed_reason = models.TextField(_("failed reason"), blank=True, default="")
    media_job = models.UUIDField(_("media job"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=64,
        blank=True,
        default="",
        choices=JobStatus.choices,
        db_index=True,
    )
    webhook_url = models.TextField(_("webhook URL"), null=True, blank=True)
    preview = models.TextField(_("preview URL"), null=True, blank=True)
    editor_url = models.TextField(_("editor URL"), null=True, blank=True)

    raw = models.JSONField(_("last payload"), default=dict, blank=True)
    raw_digest = models.CharField(
        _("payload digest"),
        max_length=32,
        blank=True,
        default="",
        editable=False,
        help_text=_(
            "Digest of the payload's bytes as Creatify last listed them: a resync skips "
            "items whose bytes are unchanged without decoding them. Empty when unknown."
        ),
    )
    synced_at = models.DateTimeField(_("last written from Creatify"), null=True, blank=True)
    editor_url_fetched_at = models.DateTimeField(_("editor URL received"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The site user who created this job through the site, if any."),
    )
    missing_since = models.DateTimeField(
        _("missing from Creatify since"),
        null=True,
        blank=True,
        help_text=_("Set when a full sync no longer lists this job; cleared if it comes back."),
    )

    objects = JobQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name or str(self.id)

    @classmethod
    def family(cls) -> Family:
        from ..families import family_for_model

        return family_for_model(cls)

    @property
    def output_url(self) -> str | None:
        """The finished video's URL, whichever field the family keeps it in."""
        return getattr(self, self.family().output_field)

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def progress_percent(self) -> float:
        """0..100 whichever scale Creatify used: values up to 1 are read as a fraction."""
        if self.status == JobStatus.DONE:
            return 100.0
        if self.progress is None:
            return 0.0
        percent = self.progress * 100 if self.progress <= 1 else self.progress
        return round(min(100.0, max(0.0, percent)), 1)

    @property
    def editor_url_expires_at(self) -> datetime | None:
        if not self.editor_url or self.editor_url_fetched_at is None:
            return None
        return self.editor_url_fetched_at + timedelta(seconds=creatify_settings.EDITOR_URL_TTL)

    @property
    def editor_url_is_valid(self) -> bool:
        expires_at = self.editor_url_expires_at
        return expires_at is not None and timezone.now() < expires_at

    @property
    def current_editor_url(self) -> str | None:
        """The editor link while it still works, else ``None``."""
        return self.editor_url if self.editor_url_is_valid else None
