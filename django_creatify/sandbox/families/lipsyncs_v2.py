"""Lipsync v2 (AI Avatar v2, multi-scene), ``/api/lipsyncs_v2/``.

Like v1: ``progress`` a string, the video in ``output`` with a ``video_thumbnail``,
``ids`` but no ``ordering``, direct create or ``preview/`` then ``render/``, prices by
``model_version`` (``standard`` 5 credits per started 30 s, ``aurora_v1`` 1 credit/s,
``aurora_v1_fast`` 0.5 credit/s), whole credits. A job is a list of scenes,
``video_inputs``; their shape is checked loosely (each an object, ``voice.input_text`` at
most 2000 characters), since the object types them as "any". ``background_music`` and
``cta_end`` are taken but not echoed: the object does not list them.
"""

from __future__ import annotations

import json
import random
from functools import partial
from typing import Any

from .. import validation as v
from ..seed import SCRIPTS, family_job, random_uuid
from .base import Family
from .lipsyncs import ASPECT_RATIOS, MODEL_VERSIONS, STANDARD, model_price

PUBLIC_FIELDS = (
    "id",
    "name",
    "output",
    "video_thumbnail",
    "created_at",
    "updated_at",
    "credits_used",
    "duration",
    "progress",
    "failed_reason",
    "media_job",
    "status",
    "webhook_url",
    "preview",
    "editor_url",
    "aspect_ratio",
    "video_inputs",
    "model_version",
)
CREATE_ONLY_FIELDS = ("background_music", "cta_end")
INPUT_TEXT_MAX = 2000
SCENE_OBJECTS = ("character", "voice", "background", "caption_setting", "cta")
AVATAR_STYLES = ("normal", "circle")


def scene(text: str, avatar_id: str = "sandbox-avatar", voice_id: str = "sandbox-voice") -> dict:
    return {
        "character": {"type": "avatar", "avatar_id": avatar_id, "avatar_style": "normal"},
        "voice": {"type": "text", "input_text": text, "voice_id": voice_id},
    }


def defaults(job_id: str) -> dict[str, Any]:
    return {
        "name": None,
        "media_job": None,
        "webhook_url": None,
        "aspect_ratio": "9x16",
        "video_inputs": [scene(SCRIPTS[0])],
        "model_version": STANDARD,
    }


def _type_name(value: Any) -> str:
    return type(value).__name__


def video_inputs(form: bool) -> v.Validator:
    as_json = v.json_value(form=form)

    def validate(value: Any) -> list[dict[str, Any]]:
        if value is None:
            raise v.Invalid(v.NOT_NULL)
        scenes = as_json(value)
        if not isinstance(scenes, list):
            raise v.Invalid(f'Expected a list of items but got type "{_type_name(scenes)}".')
        if not scenes:
            raise v.Invalid("This list may not be empty.")
        for number, item in enumerate(scenes, 1):
            if not isinstance(item, dict):
                raise v.Invalid(f'Scene {number}: expected an object, got "{_type_name(item)}".')
            for part in SCENE_OBJECTS:
                if item.get(part) is not None and not isinstance(item[part], dict):
                    raise v.Invalid(f"Scene {number}: {part} must be an object.")
            text = (item.get("voice") or {}).get("input_text")
            if text is not None:
                try:
                    v.text(INPUT_TEXT_MAX)(text)
                except v.Invalid as exc:
                    raise v.Invalid(f"Scene {number}: voice.input_text: {exc}") from None
        return scenes

    return validate


def background_music(form: bool) -> v.Validator:
    as_json = v.json_value(form=form)

    def validate(value: Any) -> dict[str, Any] | None:
        music = as_json(value)
        if music is not None and not isinstance(music, dict):
            raise v.Invalid(f'Expected a dictionary of items but got type "{_type_name(music)}".')
        return music

    return validate


def validate(data: dict[str, Any], form: bool) -> tuple[dict[str, Any], dict[str, list]]:
    body = v.Form(
        data,
        form=form,
        blank_is_absent=("aspect_ratio", "model_version", "webhook_url", *CREATE_ONLY_FIELDS),
    )
    body.field("video_inputs", video_inputs(form), required=True)
    body.field("name", v.job_name)
    body.field("aspect_ratio", v.choice(ASPECT_RATIOS))
    body.field("model_version", v.choice(MODEL_VERSIONS))
    body.field("webhook_url", v.webhook_url)
    body.field("background_music", background_music(form))
    body.field("cta_end", v.json_value(form=form))
    return body.result()


def length_key(fields: dict[str, Any]) -> str:
    # What is said decides how long the video runs.
    return json.dumps(fields.get("video_inputs"), sort_keys=True, default=str)


def sample(rng: random.Random, index: int, job_id: str) -> dict[str, Any]:
    scenes = [
        {
            **scene(rng.choice(SCRIPTS), random_uuid(rng)[:8], random_uuid(rng)),
            "visual_style": "FullAvatar",
        }
        for _ in range(1 + index % 3)
    ]
    scenes[0]["character"]["avatar_style"] = rng.choice(AVATAR_STYLES)
    return {
        "video_inputs": scenes,
        "aspect_ratio": rng.choice(ASPECT_RATIOS),
        "model_version": rng.choices(MODEL_VERSIONS, weights=(60, 25, 15))[0],
    }


LIPSYNCS_V2 = Family(
    key="lipsyncs_v2",
    public_fields=PUBLIC_FIELDS,
    defaults=defaults,
    validate=validate,
    direct_price=model_price,
    length_key=length_key,
    seed_job=partial(family_job, sample=sample, fields=PUBLIC_FIELDS, preview_render=True),
    output_field="output",
    thumbnail_field="video_thumbnail",
    progress_as_string=True,
    preview_render=True,
    int_credits=True,
    create_only=CREATE_ONLY_FIELDS,
)
