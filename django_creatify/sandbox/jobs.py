"""One sandbox job and the public payload built from it.

A job keeps what it was given (``fields``), what a test pinned (``overrides``) and its
:class:`~django_creatify.sandbox.timeline.Plan`; everything else a payload shows is
computed from those, the sandbox time and the job's family.

A job's ``stage`` says which of its family's calls made it. A preview ends ``done`` with
its ``preview`` and no video (Creatify does not document the status a finished preview
shows); its render then gives the same job a new life, from ``pending`` to the video.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .clock import isoformat
from .timeline import DONE, FAILED, REJECTED, Plan, State

if TYPE_CHECKING:
    from .families.base import Family

# How a job came to be: created directly (a video at the end), created by ``preview/``
# (a preview at the end), or a preview whose ``render/`` was asked for (a video again).
DIRECT, PREVIEW, RENDER = "direct", "preview", "render"
STAGES = (DIRECT, PREVIEW, RENDER)


class _Omit:
    """Marks a field left out of the payload entirely (the schema does not require it)."""

    def __repr__(self) -> str:
        return "OMIT"


OMIT: Any = _Omit()


class LocalURL(str):
    """A path on the sandbox itself; payloads prefix it with the requesting host."""

    __slots__ = ()


@dataclass(slots=True, eq=False)
class Job:
    id: str
    seq: int
    created: float
    family: Family
    stage: str
    fields: dict[str, Any]
    overrides: dict[str, Any]
    plan: Plan
    touched: float
    # While the visible (status, progress) equals this, updated_at shows `touched` as given.
    pinned: tuple[str, float] | None = None
    generation: int = 0  # bumped whenever the plan is replaced
    delivered: int = -1  # the generation whose final webhook went out
    version: int = 0  # bumped on every change, so cached payloads go stale
    cache_key: tuple | None = None
    cache: dict[str, Any] | None = None
    cache_json: bytes | None = None
    cache_updated: float = 0.0
    created_iso: str = ""


def build_payload(
    job: Job,
    state: State,
    updated: float,
    base: str,
    editor_token: Callable[[str], str] | None,
) -> dict[str, Any]:
    """The job as its family's list and retrieve calls show it; ``editor_token`` is None
    when the account has no editor access."""
    family, fields, overrides = job.family, job.fields, job.overrides
    status = state.status
    done = status == DONE
    # A render keeps the preview it started from; only a preview job ends without a video.
    has_preview = done or job.stage == RENDER
    has_video = done and job.stage != PREVIEW
    profile = job.plan.profile
    duration = overrides.get("duration", profile.video_seconds if has_preview else 0)
    if "credits_used" in overrides:
        credits = overrides["credits_used"]
    else:
        seconds = duration if isinstance(duration, int | float) else None
        credits = family.credits(fields, seconds, job.stage, done)
    if "failed_reason" in overrides:
        failed_reason = overrides["failed_reason"]
    else:
        failed_reason = profile.failed_reason if status in (FAILED, REJECTED) else ""
    computed = {
        "id": job.id,
        "created_at": job.created_iso,
        "updated_at": isoformat(updated),
        family.output_field: overrides.get(
            family.output_field, f"{base}/media/video.mp4?job={job.id}" if has_video else None
        ),
        "credits_used": credits,
        "duration": duration,
        "progress": family.shown_progress(state.progress),
        "failed_reason": failed_reason,
        "status": status,
        "preview": overrides.get(
            "preview", f"{base}/media/preview.mp4?job={job.id}" if has_preview else None
        ),
        "editor_url": overrides.get(
            "editor_url",
            f"{base}/editor/{job.id}/?token={editor_token(job.id)}"
            if has_preview and editor_token is not None
            else None,
        ),
    }
    if family.thumbnail_field:
        computed[family.thumbnail_field] = overrides.get(
            family.thumbnail_field,
            f"{base}/media/thumbnail.png?job={job.id}" if has_video else None,
        )
    payload: dict[str, Any] = {}
    for name in family.public_fields:
        value = computed[name] if name in computed else fields.get(name)
        if value is OMIT:
            continue
        payload[name] = base + value if isinstance(value, LocalURL) else value
    for name, value in fields.items():
        if name not in payload and name not in family.unechoed_fields and value is not OMIT:
            payload[name] = value
    return payload
