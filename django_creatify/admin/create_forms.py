"""Add forms of the families beyond Aurora: Django form fields for each family's
documented create (and preview) body.

The fields shape the inputs (widgets, the documented choices); the rules are the API's
create serializer's (:meth:`CreateForm.check_body`), so the admin and the API accept the
same bodies, and Creatify's own 400 still has the last word and is shown on the form.
Booleans are sent only when ticked and empty fields not at all, so that Creatify's
defaults apply.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..api.validators import http_url
from ..families import AI_SHORTS, LIPSYNC, LIPSYNC_V2
from ..vocabularies import (
    ASPECT_RATIOS,
    AVATAR_MODEL_VERSIONS,
    CAPTION_STYLES,
    SHORTS_STYLES,
)
from .forms import CreateForm

#: Most characters of a nested JSON field the form accepts.
JSON_MAX_LENGTH = 100_000
SCENE_EXAMPLE = (
    '[{"character": {"type": "avatar", "avatar_id": "…"}, '
    '"voice": {"type": "text", "input_text": "Hello!", "voice_id": "…"}}]'
)


# -- fields, each as Creatify documents it ------------------------------------------------


def url_field(label, *, max_length: int = 2048, required: bool = False, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        validators=[http_url],
        widget=forms.URLInput(attrs={"size": 80, "placeholder": "https://…"}),
        help_text=help_text,
    )


def webhook_field():
    return url_field(
        _("Webhook URL"),
        max_length=200,
        help_text=_("Optional: by default this site's own webhook endpoint, when configured."),
    )


def name_field():
    return forms.CharField(
        label=_("Name"), required=False, max_length=255, widget=forms.TextInput({"size": 60})
    )


def text_field(label, *, max_length: int | None = None, required: bool = False, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=help_text,
    )


def choice_field(label, values: tuple[str, ...], *, default: str | None = None, help_text=""):
    """A documented vocabulary; without ``default`` a choice is required."""
    empty = [("", _("Creatify's default (%(value)s)") % {"value": default})] if default else []
    return forms.ChoiceField(
        label=label,
        required=default is None,
        choices=[*empty, *((value, value) for value in values)],
        help_text=help_text,
    )


def uuid_field(label, help_text=""):
    return forms.UUIDField(
        label=label,
        required=False,
        widget=forms.TextInput(attrs={"size": 40, "placeholder": "00000000-0000-…"}),
        help_text=help_text,
    )


def flag_field(label, help_text=""):
    return forms.BooleanField(label=label, required=False, help_text=help_text)


def number_field(label, low: float, high: float, *, step: str = "0.05", help_text=""):
    return forms.FloatField(
        label=label,
        required=False,
        min_value=low,
        max_value=high,
        widget=forms.NumberInput(attrs={"step": step, "min": str(low), "max": str(high)}),
        help_text=help_text,
    )


class JSONDocumentField(forms.JSONField):
    """A nested JSON value typed in by hand: bounded, and of the documented kind."""

    # An empty list or object is a value to check (no scene is an error), not a blank.
    empty_values = [None, ""]

    def __init__(self, *, kind: type | None = None, **kwargs: Any) -> None:
        self.kind = kind
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 6, "cols": 80}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        # An empty form shows an empty box, not the JSON text "null".
        return "" if value is None else super().prepare_value(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and len(value) > JSON_MAX_LENGTH:
            raise ValidationError(
                _("At most %(n)d characters of JSON.") % {"n": JSON_MAX_LENGTH}, code="max_length"
            )
        return super().to_python(value)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values or self.kind is None:
            return
        if not isinstance(value, self.kind):
            what = _("a list") if self.kind is list else _("an object")
            raise ValidationError(_("Enter %(what)s in JSON.") % {"what": what}, code="kind")


def scenes_field():
    field = JSONDocumentField(
        label=_("Scenes (video_inputs)"),
        kind=list,
        help_text=_(
            "A JSON list of scenes, each an object with character, voice and optionally "
            "background, caption_setting: %(example)s"
        )
        % {"example": SCENE_EXAMPLE},
    )
    field.validators.append(check_scenes)
    return field


def check_scenes(scenes: Any) -> None:
    if not scenes:
        raise ValidationError(_("Give at least one scene."), code="empty")
    for number, scene in enumerate(scenes, 1):
        if not isinstance(scene, dict):
            raise ValidationError(
                _("Scene %(n)d is not an object."), code="scene", params={"n": number}
            )
        voice = scene.get("voice")
        text = voice.get("input_text") if isinstance(voice, dict) else None
        if isinstance(text, str) and len(text) > 2000:
            raise ValidationError(
                _("Scene %(n)d: voice.input_text has more than 2000 characters."),
                code="scene",
                params={"n": number},
            )


# -- the forms ------------------------------------------------------------------------------


class LipsyncCreateForm(CreateForm):
    family = LIPSYNC
    intro = _(
        "The job is created at Creatify and then mirrored here. A direct create costs 5 "
        "credits per 30 s with the standard model; a preview costs 1 per 30 s and its render "
        "4 more. Either an audio URL or a script is needed (with both, the audio is used)."
    )

    name = name_field()
    text = text_field(_("Script"), max_length=3600, help_text=_("What the avatar says."))
    audio = url_field(_("Audio URL"), help_text=_("Used instead of the script when given."))
    creator = uuid_field(_("Avatar (creator id)"), _("A persona id from /api/personas/."))
    aspect_ratio = choice_field(_("Aspect ratio"), ASPECT_RATIOS, default="16x9")
    green_screen = flag_field(_("Green screen"), _("A transparent background, no subtitles."))
    transparent_background = flag_field(_("Transparent background"))
    model_version = choice_field(_("Model version"), AVATAR_MODEL_VERSIONS, default="standard")
    accent = uuid_field(_("Voice (accent id)"), _("An accent id from /api/voices/."))
    no_caption = flag_field(_("No captions"))
    no_music = flag_field(_("No music"))
    caption_style = choice_field(_("Caption style"), CAPTION_STYLES, default="normal-black")
    caption_offset_x = number_field(_("Caption offset x"), -0.5, 0.5, help_text=_("-0.5 to 0.5"))
    caption_offset_y = number_field(_("Caption offset y"), -0.5, 0.5, help_text=_("-0.5 to 0.5"))
    background_asset_image_url = url_field(_("Background image URL"), max_length=1024)
    webhook_url = webhook_field()


class LipsyncV2CreateForm(CreateForm):
    family = LIPSYNC_V2
    intro = _(
        "The job is created at Creatify and then mirrored here. A direct create costs 5 "
        "credits per 30 s with the standard model (aurora_v1 1 per second, aurora_v1_fast "
        "0.5); a preview costs 1 per 30 s and its render 4 more."
    )

    video_inputs = scenes_field()
    aspect_ratio = choice_field(_("Aspect ratio"), ASPECT_RATIOS, default="9x16")
    background_music = JSONDocumentField(
        label=_("Background music"),
        kind=dict,
        required=False,
        help_text=_('A JSON object: {"url": "https://…", "volume": 0.5}'),
    )
    cta_end = JSONDocumentField(
        label=_("Closing call to action (cta_end)"),
        required=False,
        help_text=_("JSON, as Creatify documents it."),
    )
    name = name_field()
    model_version = choice_field(_("Model version"), AVATAR_MODEL_VERSIONS, default="standard")
    webhook_url = webhook_field()


class AIShortCreateForm(CreateForm):
    family = AI_SHORTS
    intro = _(
        "The job is created at Creatify and then mirrored here. The documented way is a "
        "preview first (1 credit per 30 s), then its render (4 per 30 s) once the preview "
        "is there."
    )

    aspect_ratio = choice_field(_("Aspect ratio"), ASPECT_RATIOS)
    script = text_field(_("Script"), required=True)
    style = choice_field(_("Style"), SHORTS_STYLES)
    accent = uuid_field(_("Voice (accent id)"), _("An accent id from /api/voices/."))
    caption_setting = JSONDocumentField(
        label=_("Caption setting"),
        kind=dict,
        required=False,
        help_text=_('A JSON object, e.g. {"style": "normal-white"}.'),
    )
    background_music_url = url_field(_("Background music URL"), max_length=255)
    background_music_volume = number_field(_("Background music volume"), 0.0, 1.0)
    voiceover_volume = number_field(_("Voice-over volume"), 0.0, 1.0)
    webhook_url = webhook_field()
