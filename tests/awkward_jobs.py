"""Jobs whose text is awkward for every layer that shows it: the longest name Creatify
takes, scripts in several alphabets and directions, emoji, markup, quotes, and no name.

The sandbox seeds jobs that read like a real account; tests that want these add them.
"""

from __future__ import annotations

from typing import Any

from django_creatify.sandbox import Sandbox

LONG_NAME = ("Ωmega launch — spring campaign, take " * 10)[:255]
HTML_NAME = "<script>alert('x')</script> & \"quotes\""
AWKWARD_NAMES: tuple[str | None, ...] = (
    LONG_NAME,
    "Café ☕ promo — été 2025",
    "日本語のデモ動画",
    "Привет, мир",
    "🎬🔥 launch teaser",
    "عرض توضيحي",
    HTML_NAME,
    None,
)
# Statuses in turn, so the awkward names show in finished and unfinished rows alike.
STATUSES = ("done", "running", "failed", "pending", "rejected", "in_queue")


def add_awkward_jobs(sandbox: Sandbox, family: str = "aurora", **fields: Any) -> list[dict]:
    """One job of ``family`` per awkward name; ``fields`` go to every one. Their payloads."""
    return [
        sandbox.add_job(
            family, **{"name": name, "status": STATUSES[index % len(STATUSES)], **fields}
        )
        for index, name in enumerate(AWKWARD_NAMES)
    ]
