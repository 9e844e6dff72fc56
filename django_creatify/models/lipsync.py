"""Lipsync (AI Avatar v1) and Lipsync v2 (multi-scene) jobs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import CreatifyJob


class Lipsync(CreatifyJob):
    """One Lipsync job, field for field as Creatify's ``/api/lipsyncs/`` object.

    ``progress`` arrives as a string; it is stored as a number when it reads as one.
    """

    text = models.TextField(_("script"), null=True, blank=True)
    creator = models.UUIDField(_("avatar (creator)"), null=True, blank=True)
    model_version = models.CharField(_("model version"), max_length=64, blank=True, default="")
    output = models.TextField(_("video URL"), null=True, blank=True)
    video_thumbnail = models.TextField(_("thumbnail URL"), null=True, blank=True)
    aspect_ratio = models.CharField(_("aspect ratio"), max_length=64, blank=True, default="")
    green_screen = models.BooleanField(_("green screen"), default=False)
    transparent_background = models.BooleanField(_("transparent background"), default=False)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    audio_url = models.TextField(_("audio URL"), null=True, blank=True)
    accent = models.UUIDField(_("accent (voice)"), null=True, blank=True)
    preview_audio = models.TextField(_("preview audio URL"), null=True, blank=True)
    no_caption = models.BooleanField(_("no caption"), default=False)
    no_music = models.BooleanField(_("no music"), default=False)
    caption_style = models.CharField(_("caption style"), max_length=64, blank=True, default="")
    caption_position = models.CharField(
        _("caption position"), max_length=64, blank=True, default=""
    )
    caption_offset_x = models.TextField(_("caption offset x"), null=True, blank=True)
    caption_offset_y = models.TextField(_("caption offset y"), null=True, blank=True)
    background_asset_image_url = models.TextField(_("background image URL"), null=True, blank=True)

    class Meta(CreatifyJob.Meta):
        verbose_name = _("Lipsync video")
        verbose_name_plural = _("Lipsync videos")


class LipsyncV2(CreatifyJob):
    """One Lipsync v2 job, field for field as Creatify's ``/api/lipsyncs_v2/`` object."""

    output = models.TextField(_("video URL"), null=True, blank=True)
    video_thumbnail = models.TextField(_("thumbnail URL"), null=True, blank=True)
    aspect_ratio = models.CharField(_("aspect ratio"), max_length=64, blank=True, default="")
    video_inputs = models.JSONField(_("scenes"), null=True, blank=True)
    model_version = models.CharField(_("model version"), max_length=64, blank=True, default="")

    class Meta(CreatifyJob.Meta):
        verbose_name = _("Lipsync v2 video")
        verbose_name_plural = _("Lipsync v2 videos")
