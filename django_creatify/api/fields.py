"""Create-body fields several families share, each with its documented bounds."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .validators import BoundedJSON, http_url

#: Longest media URL accepted where Creatify states no limit (signed CDN URLs are long).
MEDIA_URL_MAX = 2048
NAME_MAX = 255
WEBHOOK_URL_MAX = 200


def url_field(max_length: int = MEDIA_URL_MAX, **options) -> serializers.CharField:
    """An optional http(s) URL: no other scheme reaches Creatify."""
    options.setdefault("required", False)
    options.setdefault("allow_null", True)
    return serializers.CharField(max_length=max_length, validators=[http_url], **options)


def webhook_url_field() -> serializers.CharField:
    return url_field(
        WEBHOOK_URL_MAX,
        help_text=_(
            "Where Creatify posts when the job finishes. Staff only, unless its host is in "
            "CREATIFY['WEBHOOK_URL_ALLOWED_HOSTS']; by default the site's own endpoint."
        ),
    )


def name_field() -> serializers.CharField:
    return serializers.CharField(
        max_length=NAME_MAX, required=False, allow_null=True, allow_blank=True
    )


def choice_field(choices: tuple[str, ...], **options) -> serializers.ChoiceField:
    options.setdefault("required", False)
    options.setdefault("help_text", ", ".join(choices))
    return serializers.ChoiceField(choices=choices, **options)


def model_version_field(choices: tuple[str, ...]) -> serializers.CharField:
    """A model version, refused (before Creatify) unless one of ``choices``.

    Text rather than a choice field: Aurora's model versions are a different set under
    the same name, and an OpenAPI generator would rename both enums to tell them apart.
    """
    return serializers.CharField(
        max_length=64,
        required=False,
        validators=[OneOf(choices, _("model version"))],
        help_text=_("One of %(choices)s.") % {"choices": ", ".join(choices)},
    )


class OneOf:
    requires_context = False

    def __init__(self, choices: tuple[str, ...], what) -> None:
        self.choices = choices
        self.what = what

    def __call__(self, value: str) -> None:
        if value not in self.choices:
            raise serializers.ValidationError(
                _("%(value)s is not a %(what)s; choose one of %(allowed)s.")
                % {"value": value, "what": self.what, "allowed": ", ".join(self.choices)}
            )


def volume_field() -> serializers.FloatField:
    return serializers.FloatField(min_value=0.0, max_value=1.0, required=False, allow_null=True)


class JSONValue(serializers.JSONField):
    """DRF's JSON field; text nested too deep to decode (from a form) is invalid, not a 500."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except RecursionError:
            self.fail("invalid")


def json_field(max_bytes: int, max_depth: int, **options) -> serializers.JSONField:
    options.setdefault("required", False)
    options.setdefault("allow_null", True)
    validators = [BoundedJSON(max_bytes, max_depth), *options.pop("validators", ())]
    return JSONValue(validators=validators, **options)


class UUIDText(serializers.UUIDField):
    """A UUID, passed on as its canonical text: the create body is sent as JSON."""

    def __init__(self, **options) -> None:
        options.setdefault("required", False)
        options.setdefault("allow_null", True)
        super().__init__(**options)

    def to_internal_value(self, data):
        return str(super().to_internal_value(data))


def must_be_object(value) -> None:
    if value is not None and not isinstance(value, dict):
        raise serializers.ValidationError(_("Expected a JSON object."))
