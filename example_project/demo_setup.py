"""What ``manage.py demo`` sets up before it serves: the sandbox standing in for Creatify,
the ``CREATIFY`` settings that point the site at it, the first sync, and the jobs the demo
makes while it runs.

The sandbox keeps its jobs in memory and the mirror keeps them on disk, so a demo started
again on the same database hands the new sandbox the jobs the mirror holds
(:func:`~django_creatify.sandbox.restore_jobs`). The demo's Creatify account thus
outlives the process: no mirrored job goes missing, unfinished ones carry on where they
were, and rows an earlier demo marked missing are listed again, so the first sync
un-marks them. The mirror is the one record of that account; a second one (the sandbox
saved to a file) could disagree with it, and would know nothing of databases made before
it existed. Only a family with no mirrored job is seeded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.crypto import salted_hmac

from django_creatify.families import FAMILIES, enabled_families, get_family
from django_creatify.sandbox import Sandbox, SandboxServer, restore_jobs
from django_creatify.sandbox.app import FAMILY_JOBS
from django_creatify.sync import sync_jobs
from django_creatify.webhook_urls import redact_secrets

DEMO_API_ID = "demo-id"
DEMO_API_KEY = "demo-key"
DEMO_MEDIA = ("/media/image.png", "/media/audio.wav")
# The families the demo makes new jobs in, in turn.
NEW_JOB_FAMILIES = ("aurora", "lipsyncs", "ai_shorts")
# (name, script, look) of the videos the demo makes while it runs, in turn. Seven, so that
# with three families each video is made in every family before any combination repeats.
NEW_VIDEOS = (
    (
        "Spring launch — 15 s teaser",
        "Spring is here: light fabrics, bright colours and free returns all season.",
        "Soft studio lighting, subject smiling, slow push-in",
    ),
    (
        "Welcome to Lumen — first steps",
        "Welcome aboard! Here is how to set up your first project in two minutes.",
        "Bright office, morning light, friendly and relaxed",
    ),
    (
        "Weekly product update — vertical for Reels",
        "This week: faster exports, a calmer dashboard and the two fixes you asked for.",
        "Close-up, neutral background, calm and confident",
    ),
    (
        "Webinar invite — square for the feed",
        "Join us on Thursday: our team answers your pricing questions live.",
        "Handheld camera, outdoor golden hour, energetic mood",
    ),
    (
        "Lancement de printemps — teaser",
        "Bonjour ! Découvrez notre nouvelle collection de printemps en trente secondes.",
        "Terrasse de café, lumière douce, ton enjoué",
    ),
    (
        "Customer story: Northwind Coffee",
        "Northwind Coffee cut its onboarding time in half. Here is how they did it.",
        "Warm café interior, shallow depth of field",
    ),
    (
        "Neu im Shop: Herbstkollektion",
        "Unsere Herbstkollektion ist da: warme Farben, weiche Stoffe, faire Preise.",
        "Herbstlicher Park, warmes Licht, ruhige Kamera",
    ),
)
SHORT_STYLES = ("Cinematic", "4K realistic", "Cartoonish")


@dataclass
class DemoSandbox:
    """The running sandbox and, per family, how many jobs were put back or seeded."""

    sandbox: Sandbox
    server: SandboxServer
    restored: dict[str, int] = field(default_factory=dict)
    seeded: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> DemoSandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def split_addr(addr: str) -> tuple[str, int]:
    host, _, port = addr.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


def start_sandbox(
    addr: str, *, jobs: int, seed: int, speed: float, manual_clock: bool = False
) -> DemoSandbox:
    """Serve a sandbox at ``addr`` holding the mirror's jobs; a family the mirror has none
    of gets ``jobs`` seeded Aurora jobs, or a handful in the other families."""
    sandbox = Sandbox(
        api_id=DEMO_API_ID,
        api_key=DEMO_API_KEY,
        seed=seed,
        speed=speed,
        manual_clock=manual_clock,
    )
    host, port = split_addr(addr)
    started = DemoSandbox(sandbox, sandbox.serve(host=host, port=port))
    for name in FAMILIES:
        restored = restore_jobs(sandbox, name, mirrored_payloads(name))
        if restored:
            started.restored[name] = restored
            continue
        count = jobs if name == "aurora" else min(jobs, FAMILY_JOBS)
        if count:
            started.seeded[name] = len(sandbox.add_jobs(count, name, seed=seed))
    return started


def mirrored_payloads(family: str) -> Iterator[dict[str, Any]]:
    """Every mirrored job's last payload, missing ones included, oldest first."""
    rows = get_family(family).model._default_manager.order_by("created_at", "pk")
    for payload in rows.values_list("raw", flat=True).iterator(chunk_size=1000):
        if isinstance(payload, dict) and payload.get("id"):
            yield payload


def webhook_secret() -> str:
    """The same for every run of this site, so that jobs made by an earlier run still
    reach it; derived from SECRET_KEY, so nothing guessable is written down."""
    return salted_hmac("example_project.demo", "webhook", algorithm="sha256").hexdigest()[:32]


def site_url(addr: str) -> str:
    """Where the sandbox reaches the site served at ``addr`` (a wildcard means loopback)."""
    host, port = split_addr(addr)
    if host in ("0.0.0.0", ""):  # noqa: S104 - read, not bound
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class HideWebhookSecret(logging.Filter):
    """The development server logs each request's path, and the webhook's path holds the
    secret: log it redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_secrets(arg) for arg in record.args)
        return True


def demo_creatify_settings(sandbox_url: str, site: str) -> dict[str, Any]:
    """The site's ``CREATIFY`` with the sandbox as Creatify and this site as the address
    of the webhooks of the jobs it creates."""
    return {
        **(getattr(settings, "CREATIFY", None) or {}),
        "API_ID": DEMO_API_ID,
        "API_KEY": DEMO_API_KEY,
        "BASE_URL": sandbox_url,
        "WEBHOOK_SECRET": webhook_secret(),
        "WEBHOOK_BASE_URL": site,
    }


def sync_every_family() -> list[str]:
    return [f"{family.name}: {sync_jobs(family)}" for family in enabled_families()]


def new_job(base: str, number: int, families: Sequence[str]) -> tuple[str, dict[str, Any]]:
    """The ``number``-th job the demo makes: its family (in turn among ``families``) and
    its create fields. ``base``: the sandbox's URL, which serves the input media."""
    family = families[number % len(families)]
    name, script, look = NEW_VIDEOS[number % len(NEW_VIDEOS)]
    if family == "aurora":
        return family, {
            "name": name,
            "image": base + DEMO_MEDIA[0],
            "audio": base + DEMO_MEDIA[1],
            "text_prompt": look,
        }
    if family == "lipsyncs":
        return family, {"name": name, "text": script, "aspect_ratio": "9x16"}
    # Creatify's AI Shorts create takes no name: the script tells them apart.
    style = SHORT_STYLES[number % len(SHORT_STYLES)]
    return family, {"aspect_ratio": "9x16", "script": script, "style": style}
