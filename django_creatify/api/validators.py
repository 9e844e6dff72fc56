"""Creatify's documented create rules, checked before any remote call."""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any
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


class BoundedJSON:
    """A JSON value nested at most ``max_depth`` levels and at most ``max_bytes`` long
    once encoded: what a create body carries on to Creatify is bounded like every input."""

    requires_context = False

    def __init__(self, max_bytes: int, max_depth: int) -> None:
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    def __call__(self, value: Any) -> None:
        # Depth first, without recursion: encoding a deeper value would overflow the stack.
        pending = [(value, 1)]
        while pending:
            node, depth = pending.pop()
            if depth > self.max_depth:
                raise serializers.ValidationError(
                    _("Nested more than %(limit)d levels deep.") % {"limit": self.max_depth}
                )
            if isinstance(node, dict):
                pending.extend((child, depth + 1) for child in node.values())
            elif isinstance(node, list):
                pending.extend((child, depth + 1) for child in node)
        size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
        if size > self.max_bytes:
            raise serializers.ValidationError(
                _("At most %(limit)d bytes of JSON.") % {"limit": self.max_bytes}
            )
