"""Creatify's documented create rules, checked before any remote call."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

AUDIO_EXTENSIONS = frozenset({".mp3", ".wav"})
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".webp"})

http_url = URLValidator(schemes=["http", "https"], message=_("Enter an http(s) URL."))


class FileExtensionOfURL:
    """The URL's path (query string ignored) must end with one of ``extensions``."""

    requires_context = False

    def __init__(self, extensions: frozenset[str], kind: str) -> None:
        self.extensions = extensions
        self.kind = kind

    def __call__(self, value: str) -> None:
        suffix = PurePosixPath(urlsplit(value).path).suffix.lower()
        if suffix not in self.extensions:
            allowed = ", ".join(sorted(ext.lstrip(".") for ext in self.extensions))
            raise serializers.ValidationError(
                _("The %(kind)s URL must point to a file of type: %(allowed)s.")
                % {"kind": self.kind, "allowed": allowed}
            )
