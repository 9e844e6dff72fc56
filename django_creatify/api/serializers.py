from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..choices import ModelVersion
from ..models import AuroraFlow
from ..payloads import MIRRORED_FIELDS
from . import representation
from .validators import AUDIO_EXTENSIONS, IMAGE_EXTENSIONS, FileExtensionOfURL, http_url


class AuroraFlowSerializer(serializers.ModelSerializer):
    """A mirrored job under Creatify's field names, plus derived conveniences.

    ``editor_url`` is ``null`` once the link has expired. ``raw`` (the last payload) is
    included only for staff who ask with ``?expand=raw``.
    """

    editor_url = serializers.CharField(source="current_editor_url", read_only=True, allow_null=True)
    progress_percent = serializers.FloatField(read_only=True)
    is_finished = serializers.BooleanField(read_only=True)
    editor_url_expires_at = serializers.DateTimeField(read_only=True, allow_null=True)
    raw = serializers.JSONField(read_only=True)

    class Meta:
        model = AuroraFlow
        fields = (
            "id",
            *MIRRORED_FIELDS,
            "progress_percent",
            "is_finished",
            "editor_url_expires_at",
            "synced_at",
            "missing_since",
            "created_by",
            "raw",
        )
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        if not self._wants_raw():
            fields.pop("raw")
        return fields

    def _wants_raw(self) -> bool:
        return wants_raw(self.context.get("request"))

    def to_representation(self, instance):
        return representation.represent(
            representation.cached_plan(self, self._wants_raw()), instance
        )


def wants_raw(request) -> bool:
    """Staff asked for the last payload with ``?expand=raw``."""
    if request is None or not request.user.is_staff:
        return False
    return "raw" in request.query_params.get("expand", "").split(",")


class AuroraFlowCreateSerializer(serializers.Serializer):
    """Exactly the create body Creatify documents, validated before anything is sent."""

    audio = serializers.CharField(
        max_length=2048,
        validators=[http_url, FileExtensionOfURL(AUDIO_EXTENSIONS, "audio")],
        help_text=_("http(s) URL of an mp3 or wav file."),
    )
    image = serializers.CharField(
        max_length=2048,
        validators=[http_url, FileExtensionOfURL(IMAGE_EXTENSIONS, "image")],
        help_text=_("http(s) URL of a png, jpg, jpeg or webp file."),
    )
    name = serializers.CharField(max_length=255, required=False, allow_null=True, allow_blank=True)
    text_prompt = serializers.CharField(required=False, allow_blank=True)
    prompt_guidance_scale = serializers.FloatField(min_value=0.0, max_value=10.0, required=False)
    model_version = serializers.ChoiceField(choices=ModelVersion.choices, required=False)
    webhook_url = serializers.CharField(
        max_length=200, required=False, allow_null=True, validators=[http_url]
    )
