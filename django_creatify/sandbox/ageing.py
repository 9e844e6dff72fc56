"""Finished outputs age out, as on Creatify's CDN.

A job's video, preview and thumbnail links stop working once its retention has passed,
counted on the sandbox clock from the moment the job reached its final status: the job's
``ttl_days`` when it was created with one (Aurora takes it), else the sandbox's
``retention_days`` (7 by default: Creatify promises "at least 7 days"). The links stay in
the job's payload, dead, as Creatify's would; the files answer 403 with a short
S3-style XML body, which is what a signed CDN link past its life gives.

Jobs that finished before the sandbox started (seeded or added with a past
``updated_at``) count from its start instead: a fresh sandbox serves every output, and
moving the clock on ages them all.

Inputs (``image.png``, ``audio.wav``) and links that name no known job keep working:
they are the caller's own files, not the job's outputs.
"""

from __future__ import annotations

from typing import Any

from .messages import Response
from .state import JobStore
from .timeline import DONE

DAY = 24 * 60 * 60
DEFAULT_RETENTION_DAYS = 7
# The names under /media/ that stand for a job's outputs.
OUTPUT_FILES = frozenset({"video.mp4", "preview.mp4", "thumbnail.png"})
GONE_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
)


def retention_days(fields: dict[str, Any], default: float) -> float:
    ttl = fields.get("ttl_days")
    # A bool is an int to Python, but no caller means "1 day" by ``true``.
    if isinstance(ttl, int | float) and not isinstance(ttl, bool) and ttl > 0:
        return ttl
    return default


def expires_at(store: JobStore, job_id: str, default_days: float) -> float | None:
    """When the job's outputs stop being served; None while it has none, or is unknown."""
    if job_id not in store:
        return None
    job = store.get(job_id)
    state = job.plan.state_at(store.clock.now())
    if state.status != DONE:
        return None
    finished = max(state.since, store.clock.started)
    return finished + retention_days(job.fields, default_days) * DAY


def media_expired(store: JobStore, name: str, job_id: str | None, default_days: float) -> bool:
    if name not in OUTPUT_FILES or not job_id:
        return False
    when = expires_at(store, job_id, default_days)
    return when is not None and store.clock.now() >= when


def gone() -> Response:
    return Response(403, GONE_BODY, "application/xml")
