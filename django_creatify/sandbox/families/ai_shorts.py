"""AI Shorts, ``/api/ai_shorts/``: a script becomes a stylised short.

``progress`` a number, the video in ``video_output`` (the object's field; the webhook's is
not documented, so it is the same), the list takes ``ids`` and ``ordering``. Direct
create, or ``preview/`` then ``render/`` (the documented flow). Creatify states no price
for a direct create: it costs what a preview and its render do, 1 + 4 credits per started
30 s; whole credits. The body documents no ``name``, but the object has one with a
limit, so it is taken (at most 255 characters).
"""

from __future__ import annotations

import random
from functools import partial
from typing import Any

from ...vocabularies import ASPECT_RATIOS, PERMISSION_TYPES, SHORTS_STYLES
from .. import validation as v
from ..jobs import LocalURL
from ..seed import SCRIPTS, family_job, random_uuid
from .base import PREVIEW_CREDITS_PER_30S, RENDER_CREDITS_PER_30S, Family, per_started_30s

PUBLIC_FIELDS = (
    "id",
    "status",
    "failed_reason",
    "video_output",
    "preview",
    "editor_url",
    "is_hidden",
    "progress",
    "credits_used",
    "duration",
    "media_job",
    "permission_type",
    "created_at",
    "updated_at",
    "name",
    "script",
    "aspect_ratio",
    "style",
    "created_from_api",
    "caption_setting",
    "background_music_url",
    "background_music_volume",
    "voiceover_volume",
    "webhook_url",
    "user",
    "workspace",
    "brand",
    "accent",
)
MUSIC_URL_MAX = 255
VOLUME = v.number(0.0, 1.0, allow_null=True)


def defaults(job_id: str) -> dict[str, Any]:
    return {
        "is_hidden": False,
        "media_job": None,
        "permission_type": "private",
        "name": None,
        "script": SCRIPTS[0],
        "aspect_ratio": "9x16",
        "style": "Cinematic",
        "created_from_api": True,
        "caption_setting": None,
        "background_music_url": None,
        "background_music_volume": None,
        "voiceover_volume": None,
        "webhook_url": None,
        "user": None,
        "workspace": None,
        "brand": None,
        "accent": None,
    }


def validate(data: dict[str, Any], form: bool) -> tuple[dict[str, Any], dict[str, list]]:
    optional = ("accent", "background_music_url", "webhook_url", "caption_setting")
    body = v.Form(
        data,
        form=form,
        blank_is_absent=(*optional, "background_music_volume", "voiceover_volume"),
    )
    body.field("aspect_ratio", v.choice(ASPECT_RATIOS), required=True)
    body.field("script", v.text(allow_null=False, allow_blank=False), required=True)
    body.field("style", v.choice(SHORTS_STYLES), required=True)
    body.field("name", v.job_name)
    body.field("accent", v.uuid_value)
    body.field("caption_setting", v.json_value(form=form))
    body.field("background_music_url", v.http_url(MUSIC_URL_MAX))
    body.field("background_music_volume", VOLUME)
    body.field("voiceover_volume", VOLUME)
    body.field("webhook_url", v.webhook_url)
    return body.result()


def direct_price(fields: dict[str, Any], seconds: float) -> float:
    return per_started_30s(seconds, PREVIEW_CREDITS_PER_30S) + per_started_30s(
        seconds, RENDER_CREDITS_PER_30S
    )


def length_key(fields: dict[str, Any]) -> str:
    return str(fields.get("script"))


def sample(rng: random.Random, index: int, job_id: str) -> dict[str, Any]:
    music = rng.random() < 0.4
    return {
        "permission_type": rng.choices(PERMISSION_TYPES, weights=(70, 25, 5))[0],
        "script": rng.choice(SCRIPTS),
        "aspect_ratio": rng.choice(ASPECT_RATIOS),
        "style": SHORTS_STYLES[index % len(SHORTS_STYLES)],
        "created_from_api": rng.random() < 0.7,
        "caption_setting": {"style": "normal-white"} if rng.random() < 0.3 else None,
        "background_music_url": LocalURL(f"/media/audio.wav?job={job_id}") if music else None,
        "background_music_volume": round(rng.uniform(0.1, 0.6), 2) if music else None,
        "voiceover_volume": round(rng.uniform(0.6, 1.0), 2) if rng.random() < 0.5 else None,
        "user": rng.randint(1, 5000) if rng.random() < 0.5 else None,
        "workspace": random_uuid(rng) if rng.random() < 0.5 else None,
    }


AI_SHORTS = Family(
    key="ai_shorts",
    public_fields=PUBLIC_FIELDS,
    defaults=defaults,
    validate=validate,
    direct_price=direct_price,
    length_key=length_key,
    seed_job=partial(family_job, sample=sample, fields=PUBLIC_FIELDS, preview_render=True),
    ordering=True,
    preview_render=True,
    int_credits=True,
)
