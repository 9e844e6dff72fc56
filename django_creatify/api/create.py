"""The create bodies Creatify documents, one serializer per family, validated before
anything is sent.

Each serializer's fields are exactly its family's ``create_fields`` (tests hold them to
it): what validates is the body :func:`django_creatify.sync.create_job` sends. A family
that previews takes the same body for ``preview/``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..conf import creatify_settings
from ..pricing import MODEL_VERSIONS, RESOLUTION_MODELS, RESOLUTIONS
from ..vocabularies import (
    ASPECT_RATIOS,
    AVATAR_MODEL_VERSIONS,
    CAPTION_STYLES,
    SHORTS_STYLES,
)
from ..webhook_urls import allowed_for_non_staff
from .access import is_staff
from .fields import (
    MEDIA_URL_MAX,
    UUIDText,
    choice_field,
    json_field,
    model_version_field,
    must_be_object,
    name_field,
    url_field,
    volume_field,
    webhook_url_field,
)
from .validators import AUDIO_EXTENSIONS, IMAGE_EXTENSIONS, FileExtensionOfURL, http_url

LIPSYNC_TEXT_MAX = 3600
BACKGROUND_IMAGE_URL_MAX = 1024
MUSIC_URL_MAX = 255
# Caption settings are a handful of style keys; the bound only keeps abuse out.
CAPTION_SETTING_BYTES, CAPTION_SETTING_DEPTH = 16 * 1024, 8


class CreateSerializer(serializers.Serializer):
    """What every family's create body shares: who may choose the webhook's address."""

    def validate_webhook_url(self, value):
        if value and not self._trusted() and not allowed_for_non_staff(value):
            raise serializers.ValidationError(
                _("You may not choose where Creatify sends this job's webhook.")
            )
        return value

    def _trusted(self) -> bool:
        # Without a request (the admin's form) the caller is staff.
        request = self.context.get("request")
        return request is None or is_staff(request)


class AuroraFlowCreateSerializer(CreateSerializer):
    """Exactly the create body Creatify documents, validated before anything is sent."""

    audio = serializers.CharField(
        max_length=MEDIA_URL_MAX,
        validators=[http_url, FileExtensionOfURL(AUDIO_EXTENSIONS, "audio")],
        help_text=_("http(s) URL of an mp3 or wav file."),
    )
    image = serializers.CharField(
        max_length=MEDIA_URL_MAX,
        validators=[http_url, FileExtensionOfURL(IMAGE_EXTENSIONS, "image")],
        help_text=_("http(s) URL of a png, jpg, jpeg or webp file."),
    )
    name = name_field()
    text_prompt = serializers.CharField(required=False, allow_blank=True)
    prompt_guidance_scale = serializers.FloatField(min_value=0.0, max_value=10.0, required=False)
    model_version = serializers.CharField(
        required=False,
        max_length=64,
        help_text=_(
            "aurora_v1 (default), aurora_v1_fast or aurora_v2, or one named in "
            "CREATIFY['AURORA_EXTRA_MODEL_VERSIONS']."
        ),
    )
    resolution = serializers.ChoiceField(
        choices=RESOLUTIONS,
        required=False,
        help_text=_("aurora_v2's output resolution (720p when not given)."),
    )
    ttl_days = serializers.IntegerField(
        min_value=1,
        max_value=3650,
        required=False,
        allow_null=True,
        help_text=_("Days Creatify keeps the finished video."),
    )
    output_upload_url = url_field(
        4096, help_text=_("A (pre-signed) URL Creatify uploads the finished video to.")
    )
    webhook_url = webhook_url_field()

    def validate_model_version(self, value):
        if value not in model_versions():
            raise serializers.ValidationError(
                _("%(value)s is not a model version; choose one of %(allowed)s.")
                % {"value": value, "allowed": ", ".join(model_versions())}
            )
        return value

    def validate_output_upload_url(self, value):
        if value and not self._trusted() and not allowed_for_non_staff(value):
            raise serializers.ValidationError(
                _("You may not choose where Creatify uploads this job's video.")
            )
        return value

    def validate(self, attrs):
        model = attrs.get("model_version") or "aurora_v1"
        # A model added after this release may take one: that is Creatify's to refuse.
        takes_resolution = model in RESOLUTION_MODELS or model not in MODEL_VERSIONS
        if attrs.get("resolution") and not takes_resolution:
            raise serializers.ValidationError(
                {"resolution": [_("Only aurora_v2 takes a resolution.")]}
            )
        return attrs


def model_versions() -> list[str]:
    """The documented model versions, then the ones the site allows on top."""
    extra = creatify_settings.AURORA_EXTRA_MODEL_VERSIONS or {}
    return [*MODEL_VERSIONS, *(name for name in extra if name not in MODEL_VERSIONS)]


class LipsyncCreateSerializer(CreateSerializer):
    """A Lipsync (AI Avatar v1) body: an avatar speaks ``audio`` or, without one, ``text``."""

    name = name_field()
    text = serializers.CharField(
        max_length=LIPSYNC_TEXT_MAX,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text=_("The script, when no audio is given."),
    )
    audio = url_field(help_text=_("http(s) URL of the audio; it wins over text."))
    creator = UUIDText(help_text=_("The avatar's id."))
    aspect_ratio = choice_field(ASPECT_RATIOS)
    green_screen = serializers.BooleanField(required=False)
    transparent_background = serializers.BooleanField(required=False)
    model_version = model_version_field(AVATAR_MODEL_VERSIONS)
    accent = UUIDText(help_text=_("A voice accent's id (/api/voices/)."))
    no_caption = serializers.BooleanField(required=False)
    no_music = serializers.BooleanField(required=False)
    caption_style = choice_field(CAPTION_STYLES)
    caption_offset_x = serializers.FloatField(min_value=-0.5, max_value=0.5, required=False)
    caption_offset_y = serializers.FloatField(min_value=-0.5, max_value=0.5, required=False)
    background_asset_image_url = url_field(BACKGROUND_IMAGE_URL_MAX)
    webhook_url = webhook_url_field()

    def validate_caption_offset_x(self, value):
        return caption_offset(value)

    def validate_caption_offset_y(self, value):
        return caption_offset(value)

    def validate(self, attrs):
        if not attrs.get("audio") and not attrs.get("text"):
            raise serializers.ValidationError(
                {"text": [_("Give a script (text) or an audio URL; either is required.")]}
            )
        return attrs


def caption_offset(value: float) -> str:
    """Creatify types the caption offsets as strings."""
    return f"{value:g}"


class AIShortCreateSerializer(CreateSerializer):
    """An AI Shorts body: a script, told in a style, in an aspect ratio."""

    aspect_ratio = choice_field(ASPECT_RATIOS, required=True)
    script = serializers.CharField()
    # DRF's metaclass takes declared fields off the class: Field.style is not shadowed.
    style = choice_field(SHORTS_STYLES, required=True)  # type: ignore[assignment]
    accent = UUIDText(help_text=_("A voice accent's id (/api/voices/)."))
    caption_setting = json_field(
        CAPTION_SETTING_BYTES, CAPTION_SETTING_DEPTH, validators=[must_be_object]
    )
    background_music_url = url_field(MUSIC_URL_MAX)
    background_music_volume = volume_field()
    voiceover_volume = volume_field()
    webhook_url = webhook_url_field()
