from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..conf import creatify_settings
from ..models import AuroraFlow
from ..payloads import MIRRORED_FIELDS
from ..pricing import MODEL_VERSIONS, RESOLUTION_MODELS, RESOLUTIONS
from ..webhook_urls import allowed_for_non_staff
from . import representation
from .validators import AUDIO_EXTENSIONS, IMAGE_EXTENSIONS, FileExtensionOfURL, http_url


class NonStaffWebhookURLField(serializers.CharField):
    """``webhook_url`` as a non-staff user may see it: only a URL they could have set
    themselves, never the site's own endpoint, whose path is the webhook secret."""

    def to_representation(self, value):
        return value if allowed_for_non_staff(value) else None


class AuroraFlowSerializer(serializers.ModelSerializer):
    """A mirrored job under Creatify's field names, plus derived conveniences.

    ``editor_url`` is ``null`` once the link has expired. ``raw`` (the last payload) is
    included only for staff who ask with ``?expand=raw``. For anyone else, ``webhook_url``
    is ``null`` unless its host is one of ``WEBHOOK_URL_ALLOWED_HOSTS``.
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
        if not self._for_staff():
            fields["webhook_url"] = NonStaffWebhookURLField(read_only=True, allow_null=True)
        return fields

    def _wants_raw(self) -> bool:
        return wants_raw(self.context.get("request"))

    def _for_staff(self) -> bool:
        return is_staff(self.context.get("request"))

    def to_representation(self, instance):
        variant = (self._wants_raw(), self._for_staff())
        return representation.represent(representation.cached_plan(self, variant), instance)


def is_staff(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_staff)


def wants_raw(request) -> bool:
    """Staff asked for the last payload with ``?expand=raw``."""
    if not is_staff(request):
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
    output_upload_url = serializers.CharField(
        max_length=4096,
        required=False,
        allow_null=True,
        validators=[http_url],
        help_text=_("A (pre-signed) URL Creatify uploads the finished video to."),
    )
    webhook_url = serializers.CharField(
        max_length=200,
        required=False,
        allow_null=True,
        validators=[http_url],
        help_text=_(
            "Where Creatify posts when the job finishes. Staff only, unless its host is in "
            "CREATIFY['WEBHOOK_URL_ALLOWED_HOSTS']; by default the site's own endpoint."
        ),
    )

    def validate_model_version(self, value):
        if value not in model_versions():
            raise serializers.ValidationError(
                _("%(value)s is not a model version; choose one of %(allowed)s.")
                % {"value": value, "allowed": ", ".join(model_versions())}
            )
        return value

    def validate_webhook_url(self, value):
        if value and not self._trusted() and not allowed_for_non_staff(value):
            raise serializers.ValidationError(
                _("You may not choose where Creatify sends this job's webhook.")
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

    def _trusted(self) -> bool:
        # Without a request (the admin's form) the caller is staff.
        request = self.context.get("request")
        return request is None or is_staff(request)


def model_versions() -> list[str]:
    """The documented model versions, then the ones the site allows on top."""
    extra = creatify_settings.AURORA_EXTRA_MODEL_VERSIONS or {}
    return [*MODEL_VERSIONS, *(name for name in extra if name not in MODEL_VERSIONS)]
