"""Lipsync v1 (AI Avatar v1), ``/api/lipsyncs/``: an avatar speaks a text or an audio.

``progress`` is a string, the video is in ``output`` with a ``video_thumbnail``, the list
takes ``ids`` but no ``ordering``. Direct create, or ``preview/`` then ``render/``.
Either ``audio`` (kept as ``audio_url``) or ``text`` is required; with both, the audio
decides the video's length. Prices: ``standard`` 5 credits per started 30 s;
``aurora_v1`` and ``aurora_v1_fast`` are priced as Aurora's models are (1 and 0.5 credit
per second: Creatify's changelog names the models, not their price here). Credits are
whole numbers, a fraction rounded up.
"""

from __future__ import annotations

import random
from functools import partial
from typing import Any

from ...pricing import credits_per_second
from ...vocabularies import ASPECT_RATIOS, AVATAR_MODEL_VERSIONS, CAPTION_STYLES
from .. import validation as v
from ..jobs import OMIT, LocalURL
from ..seed import SCRIPTS, family_job, random_uuid
from .base import Family, per_started_30s

PUBLIC_FIELDS = (
    "id",
    "name",
    "text",
    "creator",
    "model_version",
    "output",
    "video_thumbnail",
    "aspect_ratio",
    "green_screen",
    "transparent_background",
    "created_at",
    "updated_at",
    "credits_used",
    "duration",
    "progress",
    "failed_reason",
    "media_job",
    "status",
    "is_hidden",
    "audio_url",
    "webhook_url",
    "accent",
    "preview",
    "editor_url",
    "preview_audio",
    "no_caption",
    "no_music",
    "caption_style",
    "caption_position",
    "caption_offset_x",
    "caption_offset_y",
    # Only on older pages of the docs: served when a job was given one.
    "background_asset_image_url",
)
STANDARD = "standard"
MODEL_VERSIONS = AVATAR_MODEL_VERSIONS
STANDARD_CREDITS_PER_30S = 5
CAPTION_POSITIONS = ("center",)
CAPTION_OFFSET = v.number(-0.5, 0.5)
TEXT_MAX = 3600
BACKGROUND_URL_MAX = 1024
BOOLEANS = ("green_screen", "transparent_background", "no_caption", "no_music")


def defaults(job_id: str) -> dict[str, Any]:
    return {
        "name": None,
        "text": None,
        "creator": None,
        "model_version": STANDARD,
        "aspect_ratio": "16x9",
        "green_screen": False,
        "transparent_background": False,
        "media_job": None,
        "is_hidden": False,
        "audio_url": LocalURL(f"/media/audio.wav?job={job_id}"),
        "webhook_url": None,
        "accent": None,
        "preview_audio": None,
        "no_caption": False,
        "no_music": False,
        "caption_style": "normal-black",
        "caption_position": "center",
        "caption_offset_x": "0",
        "caption_offset_y": "-0.4",
        "background_asset_image_url": OMIT,
    }


def offset(value: Any) -> str:
    """A caption offset, served as the string the object documents."""
    return f"{CAPTION_OFFSET(value):g}"


def validate(data: dict[str, Any], form: bool) -> tuple[dict[str, Any], dict[str, list]]:
    optional = ("audio", "creator", "accent", "webhook_url", "background_asset_image_url")
    enums = ("model_version", "aspect_ratio", "caption_style", "caption_position")
    body = v.Form(
        data,
        form=form,
        blank_is_absent=(*optional, *enums, *BOOLEANS, "caption_offset_x", "caption_offset_y"),
    )
    body.field("audio", v.http_url(), default=None, store_as="audio_url")
    body.field("text", v.text(TEXT_MAX), default=None)
    body.field("name", v.job_name)
    body.field("creator", v.uuid_value)
    body.field("accent", v.uuid_value)
    body.field("model_version", v.choice(MODEL_VERSIONS))
    body.field("aspect_ratio", v.choice(ASPECT_RATIOS))
    for name in BOOLEANS:
        body.field(name, v.boolean(form=form))
    body.field("caption_style", v.choice(CAPTION_STYLES))
    body.field("caption_position", v.choice(CAPTION_POSITIONS))
    body.field("caption_offset_x", offset)
    body.field("caption_offset_y", offset)
    body.field("webhook_url", v.webhook_url)
    body.field("background_asset_image_url", v.http_url(BACKGROUND_URL_MAX))
    cleaned, errors = body.result()
    spoken = cleaned.get("audio_url") or cleaned.get("text")
    if not spoken and "audio" not in errors and "text" not in errors:
        body.fail("non_field_errors", "Either audio or text is required.")
    return cleaned, errors


def model_price(fields: dict[str, Any], seconds: float) -> float:
    """The direct-create price of both lipsync families, by ``model_version``."""
    model = fields.get("model_version") or STANDARD
    if model == STANDARD:
        return per_started_30s(seconds, STANDARD_CREDITS_PER_30S)
    rate = credits_per_second(model)
    return float(seconds) * (1.0 if rate is None else rate)


def length_key(fields: dict[str, Any]) -> str:
    return str(fields.get("audio_url") or fields.get("text") or "")


def sample(rng: random.Random, index: int, job_id: str) -> dict[str, Any]:
    spoken = index % 3 != 1  # every third job speaks a text instead of an audio
    return {
        "text": None if spoken else rng.choice(SCRIPTS),
        "audio_url": LocalURL(f"/media/audio.wav?job={job_id}") if spoken else None,
        "creator": random_uuid(rng),
        "model_version": rng.choices(MODEL_VERSIONS, weights=(70, 20, 10))[0],
        "aspect_ratio": rng.choice(ASPECT_RATIOS),
        "green_screen": rng.random() < 0.1,
        "caption_style": rng.choice(CAPTION_STYLES),
        "no_caption": rng.random() < 0.2,
        "no_music": rng.random() < 0.3,
        "accent": random_uuid(rng) if rng.random() < 0.5 else None,
    }


LIPSYNCS = Family(
    key="lipsyncs",
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
)
