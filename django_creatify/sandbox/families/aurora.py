"""Aurora, ``/api/aurora/``: an image and an audio track become a talking video.

One step (no preview or render), ``progress`` a number, the video in ``video_output``,
``credits_used`` the model's price per second of audio (:mod:`django_creatify.pricing`).
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from ...object_fields import AURORA_OBJECT_FIELDS
from ...pricing import AURORA_V1, AURORA_V1_FAST, MODEL_VERSIONS, RESOLUTIONS, credits_per_second
from .. import validation as v
from ..jobs import OMIT, LocalURL
from ..seed import (
    DAY,
    STATUS_WEIGHTS,
    WEBHOOK_EXAMPLE,
    seeded_name,
)
from ..timeline import (
    DONE,
    FAILED,
    FINAL_STATUSES,
    PROGRESS_STEP,
    REJECTED,
    RUNNING,
    STATUSES,
)
from .base import Family

PUBLIC_FIELDS = AURORA_OBJECT_FIELDS
# Creatify's create page shows these; its object does not, so they are kept but not echoed.
CREATE_ONLY_FIELDS = ("resolution", "ttl_days", "output_upload_url")
AUDIO_EXTENSIONS = (".mp3", ".wav")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp")
TTL_DAYS_MIN = 1
GUIDANCE_MIN, GUIDANCE_MAX = 0.0, 10.0
PROMPTS = (
    "Soft studio lighting, subject smiling, slow push-in",
    "Handheld camera, outdoor golden hour, energetic mood",
    "Close-up, neutral background, calm and confident",
    "Bright kitchen, morning light, friendly and relaxed",
    "",
)


def defaults(job_id: str) -> dict[str, Any]:
    return {
        "name": None,
        "audio": LocalURL(f"/media/audio.wav?job={job_id}"),
        "image": LocalURL(f"/media/image.png?job={job_id}"),
        "text_prompt": "",
        "prompt_guidance_scale": 1.0,
        "model_version": AURORA_V1,
        "media_job": None,
        "is_hidden": False,
        "webhook_url": None,
    }


def validate(data: dict[str, Any], form: bool) -> tuple[dict[str, Any], dict[str, list]]:
    """``audio`` and ``image`` required; the rest optional, each with the documented
    default (the create-only ones default to None)."""
    body = v.Form(
        data,
        form=form,
        blank_is_absent=(
            "prompt_guidance_scale",
            "model_version",
            "webhook_url",
            *CREATE_ONLY_FIELDS,
        ),
    )
    body.field(
        "audio",
        v.media_url(AUDIO_EXTENSIONS, "Only mp3 and wav audio files are supported."),
        required=True,
    )
    body.field(
        "image",
        v.media_url(IMAGE_EXTENSIONS, "Only png, jpg, jpeg and webp image files are supported."),
        required=True,
    )
    body.field("name", v.job_name, default=None)
    body.field("text_prompt", v.text(allow_null=False), default="")
    body.field("prompt_guidance_scale", v.number(GUIDANCE_MIN, GUIDANCE_MAX), default=1.0)
    body.field("model_version", v.choice(MODEL_VERSIONS), default=AURORA_V1)
    body.field("webhook_url", v.webhook_url, default=None)
    body.field("resolution", v.choice(RESOLUTIONS, allow_null=True), default=None)
    body.field("ttl_days", v.integer(TTL_DAYS_MIN), default=None)
    body.field("output_upload_url", v.http_url(), default=None)
    return body.result()


def direct_price(fields: dict[str, Any], seconds: float) -> float:
    rate = credits_per_second(fields.get("model_version"), fields.get("resolution"))
    return float(seconds) * (1.0 if rate is None else rate)


def length_key(fields: dict[str, Any]) -> str:
    # The video is as long as the audio.
    return str(fields.get("audio"))


def seed_job(rng: random.Random, index: int, now: float) -> dict[str, Any]:
    """One seeded job. A batch of 14 or more holds every status, both model versions, a
    missing ``text_prompt``, a hidden job, a ``media_job`` and a finished job without
    ``editor_url``."""
    job_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if index < len(STATUSES):
        status = STATUSES[index]
    elif index == 12:
        status = DONE
    else:
        status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    final = status in FINAL_STATUSES
    if index < 2:
        model_version = (AURORA_V1, AURORA_V1_FAST)[index]
    else:
        model_version = AURORA_V1_FAST if rng.random() < 0.3 else AURORA_V1

    if final:
        created = now - rng.uniform(10 * 60, 14 * DAY)
        updated = created + rng.uniform(20, 180)
    else:
        created = now - rng.uniform(5, 300)
        updated = created + rng.uniform(0, now - created)

    fields: dict[str, Any] = {
        "id": job_id,
        "status": status,
        "created_at": round(created, 6),
        "updated_at": round(updated, 6),
        "name": seeded_name(rng),
        "audio": LocalURL(f"/media/audio.wav?job={job_id}"),
        "image": LocalURL(f"/media/image.png?job={job_id}"),
        "text_prompt": OMIT if index == 9 or rng.random() < 0.15 else rng.choice(PROMPTS),
        "prompt_guidance_scale": rng.choice((1.0, 1.0, 0.0, 2.5, 7.5, 10.0)),
        "model_version": model_version,
        "media_job": (
            str(uuid.UUID(int=rng.getrandbits(128), version=4))
            if index == 10 or rng.random() < 0.25
            else None
        ),
        "is_hidden": index == 11 or rng.random() < 0.1,
        "webhook_url": WEBHOOK_EXAMPLE if final and rng.random() < 0.2 else None,
    }
    if status == RUNNING:
        fields["progress"] = round(rng.randint(0, 18) * PROGRESS_STEP, 2)
    if not final:
        # Where an unfinished job will end once the clock moves.
        fields["outcome"] = rng.choices((DONE, FAILED, REJECTED), weights=(85, 10, 5))[0]
    if status == DONE and (index == 12 or rng.random() < 0.2):
        fields["editor_url"] = None  # an account without editor access for this job
    return fields


AURORA = Family(
    key="aurora",
    public_fields=PUBLIC_FIELDS,
    defaults=defaults,
    validate=validate,
    direct_price=direct_price,
    length_key=length_key,
    seed_job=seed_job,
    ordering=True,
    create_only=CREATE_ONLY_FIELDS,
)
