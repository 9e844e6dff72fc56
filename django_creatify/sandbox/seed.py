"""Varied, repeatable jobs for ``Sandbox(jobs=N, seed=S)`` and ``add_jobs()``.

The first jobs of every batch are chosen to cover the awkward cases, so a batch of 14 or
more always holds every status, both model versions, a 255-character name, unicode and
HTML-looking names, a null name, a missing ``text_prompt``, a hidden job, a job with a
``media_job`` and a finished job without ``editor_url``. After that, choices are random
but weighted like a real account: mostly finished, mostly ``done``.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from .state import OMIT, LocalURL
from .timeline import (
    AURORA_V1,
    AURORA_V1_FAST,
    DONE,
    FAILED,
    FINAL_STATUSES,
    IN_QUEUE,
    PENDING,
    PROGRESS_STEP,
    REJECTED,
    RUNNING,
    STATUSES,
)

DAY = 24 * 60 * 60
STATUS_WEIGHTS = {PENDING: 4, IN_QUEUE: 4, RUNNING: 6, DONE: 70, FAILED: 10, REJECTED: 6}
LONG_NAME = ("Ωmega launch — spring campaign, take " * 10)[:255]
UNICODE_NAMES = (
    "Café ☕ promo — été 2025",
    "日本語のデモ動画",
    "Привет, мир",
    "🎬🔥 launch teaser",
    "عرض توضيحي",
    "<script>alert('x')</script> & \"quotes\"",
)
PLAIN_NAMES = (
    "Product demo",
    "Onboarding welcome",
    "Weekly update",
    "Support answer",
    "Sales outreach",
    "Conference intro",
)
PROMPTS = (
    "Soft studio lighting, subject smiling, slow push-in",
    "Handheld camera, outdoor golden hour, energetic mood",
    "Close-up, neutral background, calm and confident",
    "",
)
WEBHOOK_EXAMPLE = "https://example.com/creatify/webhook/"


def seeded_jobs(rng: random.Random, count: int, now: float) -> list[dict[str, Any]]:
    """``count`` add_job() field dicts, drawn from ``rng``."""
    return [_job(rng, index, now) for index in range(count)]


def _job(rng: random.Random, index: int, now: float) -> dict[str, Any]:
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
        "name": _name(rng, index),
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


def _name(rng: random.Random, index: int) -> str | None:
    forced = {6: LONG_NAME, 7: UNICODE_NAMES[0], 8: None, 13: UNICODE_NAMES[5]}
    if index in forced:
        return forced[index]
    roll = rng.random()
    if roll < 0.08:
        return None
    if roll < 0.12:
        return LONG_NAME
    if roll < 0.25:
        return rng.choice(UNICODE_NAMES)
    return f"{rng.choice(PLAIN_NAMES)} #{index + 1}"
