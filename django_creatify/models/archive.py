"""The site's own copies of finished outputs (:mod:`django_creatify.archive`)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ArchivedOutput(models.Model):
    """One output of one job, copied into ``CREATIFY['ARCHIVE_STORAGE']``.

    One table for every family: ``family`` and ``job_id`` name the job, ``field`` the
    model field the URL was read from. A row exists only once its file was stored whole,
    so a row is a promise that ``path`` holds ``size`` bytes with this SHA-256.
    """

    family = models.CharField(_("family"), max_length=32)
    job_id = models.UUIDField(_("job id"))
    field = models.CharField(_("field"), max_length=64)
    path = models.CharField(_("storage path"), max_length=1024)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("content type"), max_length=255, blank=True, default="")
    archived_at = models.DateTimeField(_("archived at"), default=timezone.now)

    class Meta:
        verbose_name = _("archived output")
        verbose_name_plural = _("archived outputs")
        ordering = ["-archived_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["family", "job_id", "field"],
                name="django_creatify_one_archive_per_output",
            )
        ]

    def __str__(self) -> str:
        return f"{self.family} {self.job_id} {self.field}"
