"""Varied, repeatable jobs for ``Sandbox(jobs=N, seed=S)`` and ``add_jobs()``.

Each family draws its own (``Family.seed_job``); the names, statuses and dates they share
are here. A seeded batch reads like a real account: campaign videos in a few languages,
each named, mostly finished, mostly ``done``, a few failures (with the reasons of
:data:`~django_creatify.sandbox.timeline.FAILED_REASONS`). Its first jobs are chosen so
that even a small batch shows every status; for families with preview and render, a
finished preview waiting for its render and a rendered video. Awkward and hostile text
(very long, right-to-left, markup) is not seeded: tests that want it add it themselves.
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
# What a marketing team makes videos for; a job's name is a campaign and one of its cuts.
CAMPAIGNS = (
    "Spring launch",
    "Welcome to Lumen",
    "Weekly product update",
    "Summer sale",
    "Feature spotlight: shared playlists",
    "Customer story: Northwind Coffee",
    "Webinar invite: pricing questions answered",
    "Holiday greetings",
    "Lancement de printemps",
    "Bienvenue chez Lumen",
    "Neu im Shop: Herbstkollektion",
    "新製品のご紹介",
)
CUTS = (
    "15 s teaser",
    "30 s ad",
    "vertical for Reels",
    "square for the feed",
    "landing page hero",
    "onboarding email",
    "v2",
    "final cut",
    "variant B",
)
WEBHOOK_EXAMPLE = "https://example.com/creatify/webhook/"
# Lines a presenter could say, for families that speak a script.
SCRIPTS = (
    "Meet the lamp that dims itself when the film starts.",
    "Welcome aboard! Here is how to set up your first project in two minutes.",
    "This week: faster exports, a calmer dashboard and the two fixes you asked for.",
    "Our spring collection is here: light fabrics, bright colours, free returns.",
    "Three tips for a calmer Monday, in under a minute.",
    "Join us on Thursday: our team answers your pricing questions live.",
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


def seeded_name(rng: random.Random) -> str:
    return f"{rng.choice(CAMPAIGNS)} — {rng.choice(CUTS)}"


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
        "name": seeded_name(rng),
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
