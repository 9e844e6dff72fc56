"""Shared by the per-family API tests: payloads shaped as Creatify documents each family's
object, valid create bodies, and clients."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from rest_framework.test import APIClient

from django_creatify.families import FAMILIES
from django_creatify.parsers import progress_text

from .family_payloads import payload as documented_payload

PREFIX = "/creatify/api/"
FAMILY_NAMES = list(FAMILIES)
PREVIEWING = [name for name, family in FAMILIES.items() if family.previews]


def payload(family: str, **fields) -> dict:
    """A job of ``family`` as its list endpoint documents it, changed by ``fields``; a
    ``progress`` is sent as text where the family's newest docs type it so."""
    progress = fields.get("progress")
    if progress is not None and FAMILIES[family].fields["progress"][0] is progress_text:
        fields["progress"] = str(progress)
    return documented_payload(family, **fields)


def output_field(family: str) -> str:
    return FAMILIES[family].output_field


#: A smallest create body each family accepts.
VALID_BODIES = {
    "aurora": {"audio": "https://cdn.example/voice.mp3", "image": "https://cdn.example/face.png"},
    "lipsyncs": {"text": "Hello there."},
    "lipsyncs_v2": {
        "video_inputs": [
            {
                "character": {"type": "avatar", "avatar_id": "a1"},
                "voice": {"type": "text", "input_text": "Hello there.", "voice_id": "v1"},
            }
        ]
    },
    "ai_shorts": {"aspect_ratio": "9x16", "script": "A short about the sea.", "style": "3D"},
}


def make_user(name, *, staff=False):
    return get_user_model().objects.create_user(name, password="pw", is_staff=staff)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def creatify_settings(**changes):
    return override_settings(CREATIFY={**settings.CREATIFY, **changes})


def non_staff_api(**changes):
    """Settings under which a signed-in user who is not staff may use the API."""
    return creatify_settings(
        API_PERMISSION_CLASSES=["rest_framework.permissions.IsAuthenticated"], **changes
    )
