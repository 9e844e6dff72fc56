from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import CreatifyJob


class AIShort(CreatifyJob):
    """One AI Shorts job, field for field as Creatify's ``/api/ai_shorts/`` object."""

    # A plain string in this family's schema, not a UUID.
    media_job = models.TextField(_("media job"), null=True, blank=True)  # type: ignore[assignment]  # not a UUID here
    video_output = models.TextField(_("video URL"), null=True, blank=True)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    permission_type = models.CharField(_("permission"), max_length=64, blank=True, default="")
    script = models.TextField(_("script"), null=True, blank=True)
    aspect_ratio = models.CharField(_("aspect ratio"), max_length=64, blank=True, default="")
    style = models.TextField(_("style"), blank=True, default="")
    created_from_api = models.BooleanField(_("created through the API"), default=False)
    caption_setting = models.JSONField(_("caption setting"), null=True, blank=True)
    background_music_url = models.TextField(_("background music URL"), null=True, blank=True)
    background_music_volume = models.FloatField(_("background music volume"), null=True, blank=True)
    voiceover_volume = models.FloatField(_("voice-over volume"), null=True, blank=True)
    user = models.IntegerField(_("Creatify user"), null=True, blank=True)
    workspace = models.UUIDField(_("workspace"), null=True, blank=True)
    brand = models.UUIDField(_("brand"), null=True, blank=True)
    accent = models.UUIDField(_("accent (voice)"), null=True, blank=True)

    class Meta(CreatifyJob.Meta):
        verbose_name = _("AI Shorts video")
        verbose_name_plural = _("AI Shorts videos")
