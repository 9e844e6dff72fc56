"""The admin's "add" form: the DRF create serializer's rules, as a Django form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..api.serializers import AuroraFlowCreateSerializer, model_versions
from ..conf import creatify_settings
from ..payloads import CREATE_FIELDS
from ..pricing import RESOLUTIONS, price_list

# Every field of the create body, in the order a person fills them in.
FORM_FIELDS = CREATE_FIELDS


class AuroraFlowCreateForm(forms.Form):
    """Collects the create body; :meth:`clean` hands it to ``AuroraFlowCreateSerializer``.

    The form's own fields only shape the inputs (widgets, HTML ``required``): every rule
    (URL schemes, file types, lengths, ranges, choices) is the API's, so the admin and the
    API accept and refuse exactly the same bodies.
    """

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
        field.choices = [
            ("", _("Creatify's default (aurora_v1)")),
            *((name, name) for name in model_versions()),
        ]
        # The price of each model, before anything is spent.
        field.help_text = _("Credits per second of audio, a started second counted whole: ")
        field.help_text += "; ".join(f"{model} {rate}" for model, rate in price_list(extra))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        data = {
            name: value
            for name, value in cleaned.items()
            if name in FORM_FIELDS and value not in (None, "")
        }
        serializer = AuroraFlowCreateSerializer(data=data)
        if not serializer.is_valid():
            for field, messages in serializer.errors.items():
                target = field if field in self.fields else None
                for message in messages if isinstance(messages, list) else [messages]:
                    self.add_error(target, str(message))
            return cleaned
        self.create_fields = dict(serializer.validated_data)
        return cleaned

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
