"""The app's own records: leases that keep work single, and the webhook log."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
    family = models.CharField(
        _("family"),
        max_length=32,
        blank=True,
        default="",
        help_text=_(
            "The job family (Creatify's path segment), when the webhook URL named it or "
            "the job was found; empty until then."
        ),
    )
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
