"""Varied, repeatable jobs for ``Sandbox(jobs=N, seed=S)`` and ``add_jobs()``.

Each family draws its own (``Family.seed_job``); the names, statuses and dates they share
are here. The first jobs of a batch are chosen to cover the awkward cases: every status,
a 255-character name, unicode and HTML-looking names and a null name; for families with
preview and render, a finished preview waiting for its render and a rendered video.
After that, choices are random but weighted like a real account: mostly finished, mostly
``done``.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from .jobs import DIRECT, PREVIEW, RENDER
from .timeline import (
    DONE,
    FAILED,
    FINAL_STATUSES,
    IN_QUEUE,
    PENDING,
    PROGRESS_STEP,
    REJECTED,
    RUNNING,
)

if TYPE_CHECKING:
    from .families.base import Family

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
WEBHOOK_EXAMPLE = "https://example.com/creatify/webhook/"
# Lines a presenter could say, for families that speak a script.
SCRIPTS = (
    "Meet the lamp that dims itself when the film starts.",
    "Three tips for a calmer Monday, in under a minute.",
    "Our spring collection is here: light fabrics, bright colours, free returns.",
    "Bonjour ! Découvrez notre nouvelle application en trente secondes.",
    "Wie Sie mit drei Klicks Ihre Rechnung herunterladen.",
    "今日のおすすめは手作りのパンと季節のジャムです。",
)
# The first jobs of a batch in a family other than Aurora: (status, stage). A handful
# already shows a video, a preview waiting for its render, a job moving and a failure.
FAMILY_OPENING = (
    (DONE, DIRECT),
    (DONE, PREVIEW),
    (RUNNING, DIRECT),
    (FAILED, DIRECT),
    (PENDING, PREVIEW),
    (DONE, RENDER),
    (IN_QUEUE, DIRECT),
    (REJECTED, DIRECT),
)
Sample = Callable[[random.Random, int, str], dict[str, Any]]


def seeded_jobs(family: Family, rng: random.Random, count: int, now: float) -> list[dict]:
    """``count`` add_job() field dicts for ``family``, drawn from ``rng``."""
    return [family.seed_job(rng, index, now) for index in range(count)]


def seeded_name(rng: random.Random, index: int) -> str | None:
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


def random_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def family_job(
    rng: random.Random,
    index: int,
    now: float,
    *,
    sample: Sample,
    fields: Collection[str],
    preview_render: bool,
) -> dict[str, Any]:
    """One seeded job of a family: the shared status, dates and bookkeeping, then
    ``sample(rng, index, job_id)`` for the family's own fields. ``fields`` are the
    family's public ones: nothing it lacks is added."""
    job_id = random_uuid(rng)
    if index < len(FAMILY_OPENING):
        status, stage = FAMILY_OPENING[index]
    else:
        status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
        stage = rng.choices((DIRECT, PREVIEW, RENDER), weights=(60, 15, 25))[0]
    if not preview_render:
        stage = DIRECT
    final = status in FINAL_STATUSES
    if final:
        created = now - rng.uniform(10 * 60, 14 * DAY)
        updated = created + rng.uniform(20, 180)
    else:
        created = now - rng.uniform(5, 300)
        updated = created + rng.uniform(0, now - created)
    shared: dict[str, Any] = {
        "name": seeded_name(rng, index),
        "media_job": random_uuid(rng) if rng.random() < 0.25 else None,
        "is_hidden": rng.random() < 0.1,
        "webhook_url": WEBHOOK_EXAMPLE if final and rng.random() < 0.2 else None,
    }
    job: dict[str, Any] = {
        "id": job_id,
        "status": status,
        "stage": stage,
        "created_at": round(created, 6),
        "updated_at": round(updated, 6),
        **{name: value for name, value in shared.items() if name in fields},
    }
    if status == RUNNING:
        job["progress"] = round(rng.randint(0, 18) * PROGRESS_STEP, 2)
    if status == RUNNING:
        # Rejection happens at intake: a running job can only end done or failed.
        job["outcome"] = rng.choices((DONE, FAILED), weights=(90, 10))[0]
    elif not final:
        job["outcome"] = rng.choices((DONE, FAILED, REJECTED), weights=(85, 10, 5))[0]
    if status == DONE and rng.random() < 0.15:
        job["editor_url"] = None  # an account without editor access for this job
    job.update(sample(rng, index, job_id))
    return job
