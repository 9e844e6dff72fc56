"""The local mirror of Creatify's Aurora jobs. Rows are written only by :mod:`.sync`."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ACTIVE_STATUSES, FINISHED_STATUSES, AuroraStatus, ModelVersion
from .conf import creatify_settings


class AuroraFlowQuerySet(models.QuerySet):
    def finished(self) -> AuroraFlowQuerySet:
        return self.filter(status__in=FINISHED_STATUSES)

    def active(self) -> AuroraFlowQuerySet:
        """Everything not finished, including statuses Creatify may add later."""
        return self.exclude(status__in=FINISHED_STATUSES)


class AuroraFlow(models.Model):
    """One Aurora job, field for field as Creatify's ``AuroraFlow`` object.

    URLs are ``TextField``: Creatify hands out signed CDN URLs far longer than 200
    characters. Remote text is stored as sent and must be escaped wherever it is shown.
    """

    Status = AuroraStatus
    ModelVersion = ModelVersion

    id = models.UUIDField(_("id"), primary_key=True, editable=False)
    created_at = models.DateTimeField(_("created at"), null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True, db_index=True)
    name = models.TextField(_("name"), null=True, blank=True)
    audio = models.TextField(_("audio URL"), blank=True, default="")
    image = models.TextField(_("image URL"), blank=True, default="")
    text_prompt = models.TextField(_("text prompt"), blank=True, default="")
    prompt_guidance_scale = models.FloatField(_("prompt guidance scale"), null=True, blank=True)
    model_version = models.CharField(
        _("model version"), max_length=64, blank=True, default="", choices=ModelVersion.choices
    )
    video_output = models.TextField(_("video URL"), null=True, blank=True)
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
        choices=AuroraStatus.choices,
        db_index=True,
    )
    is_hidden = models.BooleanField(_("hidden"), default=False)
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

    objects = AuroraFlowQuerySet.as_manager()

    class Meta:
        verbose_name = _("Aurora video")
        verbose_name_plural = _("Aurora videos")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name or str(self.id)

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def is_active(self) -> bool:
        return not self.is_finished

    @property
    def is_known_status(self) -> bool:
        return self.status in FINISHED_STATUSES or self.status in ACTIVE_STATUSES

    @property
    def progress_percent(self) -> float:
        """0..100 whichever scale Creatify used: values up to 1 are read as a fraction."""
        if self.status == AuroraStatus.DONE:
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


class Lease(models.Model):
    """A named lock that expires: see :mod:`django_creatify.locks`.

    The database is what every worker on every host shares, so single flight lives here;
    ``expires_at`` lets others take over from a worker that died without releasing.
    """

    name = models.CharField(_("name"), max_length=200, primary_key=True)
    holder = models.CharField(_("holder"), max_length=200)
    acquired_at = models.DateTimeField(_("acquired at"))
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("lease")
        verbose_name_plural = _("leases")

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder} until {self.expires_at:%Y-%m-%d %H:%M:%S}"


class WebhookEvent(models.Model):
    """A webhook request that carried the right secret, and what became of it.

    Creatify does not sign webhooks, so the body is only a hint that job ``flow_id``
    changed: the receiver keeps a bounded, sanitised copy of its documented keys for the
    record and never writes it into the mirror. A job has at most one ``pending`` event:
    further hints for it only raise ``hints`` until a batch re-reads the job
    (:mod:`django_creatify.hints`).
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending (next batch)")
        REFRESHED = "refreshed", _("Refreshed")
        UNKNOWN = "unknown", _("Unknown to Creatify")
        FAILED = "failed", _("Failed")
        REJECTED = "rejected", _("Rejected (bad request)")
        COALESCED = "coalesced", _("Folded into a pending event")
        # Outcomes of events stored before hints were batched (one refresh per event).
        RECEIVED = "received", _("Received")
        QUEUED = "queued", _("Refresh queued")

    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    flow_id = models.UUIDField(_("job id"), null=True, blank=True, db_index=True)
    payload = models.JSONField(_("payload"), null=True, blank=True)
    body_excerpt = models.TextField(_("body (when unreadable)"), blank=True, default="")
    remote_addr = models.GenericIPAddressField(_("remote address"), null=True, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.RECEIVED
    )
    hints = models.PositiveBigIntegerField(
        _("hints"),
        default=1,
        help_text=_("Webhooks for this job received while this event was pending."),
    )
    # The batch that took this pending event; a new hint clears it, so that the batch does
    # not mark done a job that changed again while it was being read.
    claim = models.CharField(_("claimed by"), max_length=64, blank=True, default="", editable=False)
    error = models.TextField(_("error"), blank=True, default="")

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["flow_id"],
                condition=models.Q(outcome="pending"),
                name="django_creatify_one_pending_event_per_job",
            )
        ]
        indexes = [
            models.Index(fields=["outcome", "received_at"], name="django_creatify_outcome_idx"),
            # The oldest pending event in one read: the receiver's cheap backlog bound.
            models.Index(
                fields=["id"],
                condition=models.Q(outcome="pending"),
                name="django_creatify_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.flow_id or 'unreadable'} at {self.received_at:%Y-%m-%d %H:%M:%S}"
