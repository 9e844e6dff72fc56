from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import ModelVersion
from .base import CreatifyJob


class AuroraFlow(CreatifyJob):
    """One Aurora job, field for field as Creatify's ``AuroraFlow`` object."""

    ModelVersion = ModelVersion

    audio = models.TextField(_("audio URL"), blank=True, default="")
    image = models.TextField(_("image URL"), blank=True, default="")
    text_prompt = models.TextField(_("text prompt"), blank=True, default="")
    prompt_guidance_scale = models.FloatField(_("prompt guidance scale"), null=True, blank=True)
    model_version = models.CharField(
        _("model version"), max_length=64, blank=True, default="", choices=ModelVersion.choices
    )
    video_output = models.TextField(_("video URL"), null=True, blank=True)
    is_hidden = models.BooleanField(_("hidden"), default=False)

    class Meta(CreatifyJob.Meta):
        verbose_name = _("Aurora video")
        verbose_name_plural = _("Aurora videos")
