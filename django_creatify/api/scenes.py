"""Lipsync v2's create body: a list of scenes, checked where Creatify documents a rule.

The object types a scene as "any", so a scene is checked only where the docs are
specific (its parts are objects, ``voice.input_text`` at most 2000 characters, an avatar
id at most 50, a scale 0 to 2, http(s) URLs) and otherwise passed on as sent, bounded in
count, depth and size.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from .create import ASPECT_RATIOS, AVATAR_MODEL_VERSIONS, CreateSerializer
from .fields import (
    choice_field,
    json_field,
    model_version_field,
    name_field,
    url_field,
    webhook_url_field,
)
from .validators import http_url

MAX_SCENES = 50
SCENES_BYTES, SCENES_DEPTH = 256 * 1024, 8
INPUT_TEXT_MAX = 2000
AVATAR_ID_MAX = 50
SCALE_RANGE = (0.0, 2.0)
SCENE_PARTS = ("character", "voice", "background", "caption_setting", "cta")
CTA_END_BYTES, CTA_END_DEPTH = 16 * 1024, 6


class BackgroundMusic(serializers.Serializer):
    url = url_field()
    volume = serializers.FloatField(min_value=0.0, max_value=1.0, required=False, allow_null=True)


class LipsyncV2CreateSerializer(CreateSerializer):
    """A Lipsync v2 (AI Avatar v2) body: one or more scenes, each an avatar speaking."""

    video_inputs = json_field(
        SCENES_BYTES,
        SCENES_DEPTH,
        required=True,
        allow_null=False,
        help_text=gettext_lazy(
            "The scenes: a list of objects (character, voice, background, caption_setting, cta...)."
        ),
    )
    aspect_ratio = choice_field(ASPECT_RATIOS)
    background_music = BackgroundMusic(required=False, allow_null=True)
    cta_end = json_field(CTA_END_BYTES, CTA_END_DEPTH)
    name = name_field()
    model_version = model_version_field(AVATAR_MODEL_VERSIONS)
    webhook_url = webhook_url_field()

    def validate_video_inputs(self, value):
        if not isinstance(value, list):
            raise serializers.ValidationError(_("Expected a list of scenes."))
        if not value:
            raise serializers.ValidationError(_("At least one scene is required."))
        if len(value) > MAX_SCENES:
            raise serializers.ValidationError(_("At most %(most)d scenes.") % {"most": MAX_SCENES})
        problems = [
            _("Scene %(number)d: %(problem)s") % {"number": number, "problem": problem}
            for number, scene in enumerate(value, 1)
            for problem in scene_problems(scene)
        ]
        if problems:
            raise serializers.ValidationError(problems)
        return value


def scene_problems(scene: Any) -> list[str]:
    if not isinstance(scene, dict):
        return [_("expected an object.")]
    problems = [
        _("%(part)s must be an object.") % {"part": part}
        for part in SCENE_PARTS
        if scene.get(part) is not None and not isinstance(scene[part], dict)
    ]
    if problems:
        return problems
    voice = scene.get("voice") or {}
    character = scene.get("character") or {}
    background = scene.get("background") or {}
    text = voice.get("input_text")
    if text is not None and (not isinstance(text, str) or len(text) > INPUT_TEXT_MAX):
        problems.append(
            _("voice.input_text must be text of at most %(most)d characters.")
            % {"most": INPUT_TEXT_MAX}
        )
    avatar_id = character.get("avatar_id")
    if avatar_id is not None and (not isinstance(avatar_id, str) or len(avatar_id) > AVATAR_ID_MAX):
        problems.append(
            _("character.avatar_id must be text of at most %(most)d characters.")
            % {"most": AVATAR_ID_MAX}
        )
    scale = character.get("scale")
    if scale is not None and not _number_within(scale, *SCALE_RANGE):
        problems.append(_("character.scale must be a number from 0 to 2."))
    url = background.get("url")
    if url is not None and not _http_url(url):
        problems.append(_("background.url must be an http(s) URL."))
    return problems


def _number_within(value: Any, low: float, high: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high


def _http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        http_url(value)
    except DjangoValidationError:
        return False
    return True
