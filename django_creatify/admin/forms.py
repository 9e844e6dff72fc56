"""The admin's add forms: what they share, and Aurora's, which is the API's serializer's
rules as a Django form.

A form's fields are named as the family's create body is (``family.create_fields``), so
that Creatify's own 400 (field -> messages) lands on the right field.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..api.create import model_versions
from ..api.registry import create_serializer_for
from ..conf import creatify_settings
from ..families import AURORA, Family
from ..payloads import CREATE_FIELDS
from ..pricing import RESOLUTIONS, price_list

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# Every field of Aurora's create body, in the order a person fills them in.
FORM_FIELDS = CREATE_FIELDS


def is_absent(value: Any) -> bool:
    """A field left empty: not sent, so that Creatify applies its default.

    An unticked box is absent too; zero is a value.
    """
    return value is None or value is False or (isinstance(value, str | list | dict) and not value)


def as_json(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


def flattened(messages: Any, prefix: str = "") -> list[str]:
    """A serializer's errors for one field (a list, or a nested field's dict) as lines."""
    if isinstance(messages, dict):
        return [
            line for key, inner in messages.items() for line in flattened(inner, f"{prefix}{key}: ")
        ]
    if isinstance(messages, list):
        return [line for message in messages for line in flattened(message, prefix)]
    return [f"{prefix}{messages}"]


class CreateForm(forms.Form):
    """An add form: collects a family's create body, checked before anything is sent."""

    family: Family
    #: What the add page says above the form (the cost, what Creatify fetches).
    intro: str | StrPromise = ""

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The form's fields in the order of the family's create body."""
        return tuple(name for name in cls.family.create_fields if name in cls.base_fields)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns
        body = {
            name: as_json(cleaned[name])
            for name in self.field_names()
            if name in cleaned and not is_absent(cleaned[name])
        }
        self.create_fields = self.check_body(body)
        return cleaned

    def check_body(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body checked by the family's API create serializer, so that the admin and
        the API accept and refuse exactly the same bodies: the form's own fields only
        shape the inputs (widgets, choices, HTML ``required``). Returns the body to send,
        or adds the errors to the form."""
        serializer = create_serializer_for(self.family)(data=body)
        if serializer.is_valid():
            return dict(serializer.validated_data)
        for field, messages in serializer.errors.items():
            target = field if field in self.fields else None
            for message in flattened(messages):
                self.add_error(target, message)
        return {}

    def add_creatify_errors(self, messages: Any) -> None:
        """Show Creatify's own 400 (a message, a list, or field -> messages) on the form."""
        if isinstance(messages, dict):
            for field, field_messages in messages.items():
                target = field if field in self.fields else None
                if not isinstance(field_messages, list):
                    field_messages = [field_messages]
                for message in field_messages:
                    text = str(message) if target else f"{field}: {message}"
                    self.add_error(target, text)
        elif isinstance(messages, list):
            for message in messages:
                self.add_error(None, str(message))
        else:
            self.add_error(None, str(messages))


class AuroraFlowCreateForm(CreateForm):
    """Aurora's create body; every rule (URL schemes, file types, lengths, ranges,
    choices) is ``AuroraFlowCreateSerializer``'s."""

    family = AURORA
    intro = _(
        "The job is created at Creatify (creating costs credits once it runs: 1 per second "
        "of video, 0.5 with the fast model) and then mirrored here. Creatify fetches the "
        "audio and image from their URLs."
    )

    audio = forms.CharField(
        label=_("Audio URL"),
        widget=forms.URLInput(attrs={"size": 80, "placeholder": "https://…/voice.mp3"}),
        help_text=_("http(s) URL of an mp3 or wav file."),
    )
    image = forms.CharField(
        label=_("Image URL"),
        widget=forms.URLInput(attrs={"size": 80, "placeholder": "https://…/face.png"}),
        help_text=_("http(s) URL of a png, jpg, jpeg or webp file."),
    )
    name = forms.CharField(label=_("Name"), required=False, widget=forms.TextInput({"size": 60}))
    text_prompt = forms.CharField(
        label=_("Text prompt"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=_("Style, camera, lighting, mood."),
    )
    prompt_guidance_scale = forms.CharField(
        label=_("Prompt guidance scale"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0", "max": "10"}),
        help_text=_("0 to 10; Creatify's default is 1."),
    )
    model_version = forms.ChoiceField(label=_("Model version"), required=False)
    resolution = forms.ChoiceField(
        label=_("Resolution"),
        required=False,
        choices=[("", _("Creatify's default (720p)")), *((r, r) for r in RESOLUTIONS)],
        help_text=_("aurora_v2 only."),
    )
    ttl_days = forms.CharField(
        label=_("Keep for (days)"),
        required=False,
        widget=forms.NumberInput(attrs={"min": "1", "step": "1"}),
        help_text=_("How long Creatify keeps the finished video; its default when empty."),
    )
    output_upload_url = forms.CharField(
        label=_("Upload the video to"),
        required=False,
        widget=forms.URLInput(attrs={"size": 80, "placeholder": "https://…(pre-signed URL)"}),
        help_text=_("Optional: a URL Creatify uploads the finished video to."),
    )
    webhook_url = forms.CharField(
        label=_("Webhook URL"),
        required=False,
        widget=forms.URLInput(attrs={"size": 80}),
        help_text=_("Optional: by default this site's own webhook endpoint, when configured."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        extra = creatify_settings.AURORA_EXTRA_MODEL_VERSIONS or {}
        field = self.fields["model_version"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("Creatify's default (aurora_v1)")),
            *((name, name) for name in model_versions()),
        ]
        # The price of each model, before anything is spent.
        field.help_text = _("Credits per second of audio, a started second counted whole: ")
        field.help_text += "; ".join(f"{model} {rate}" for model, rate in price_list(extra))
