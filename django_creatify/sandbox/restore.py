"""Putting jobs back into a new sandbox as an earlier one served them.

A sandbox keeps its jobs in memory, so one started again lists none of the jobs the last
one made, and a site mirroring it would take them for deleted. Handing the new sandbox
the payloads the site mirrored (``restore_jobs(sandbox, family, payloads)``) makes it
the same account again. A payload tells everything but how the job came to be and how it
will end, so:

- a finished job comes back as it was served: its video, preview, duration, credits,
  editor link and failure reason are pinned, not recomputed (a finished preview's video
  and credits are left to its render, its length pinned);
- an unfinished job comes back in its status and at its progress, and carries on from
  there (to the end its id decides, like any added job); its ``updated_at`` stays as
  served until it moves;
- a finished job with a preview and no video was a preview, and can be rendered; an
  unfinished one with a preview is being rendered; any other was created directly;
- links to the sandbox's own media files and editor page follow the sandbox to whatever
  address it serves on now.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .families import Family, family_named
from .jobs import OMIT, PREVIEW, RENDER, LocalURL
from .media import FILES
from .timeline import DONE, FINAL_STATUSES

if TYPE_CHECKING:
    from .app import Sandbox

# What the job's timeline gives every payload.
TIMELINE_FIELDS = frozenset({"id", "status", "progress", "created_at", "updated_at"})
_OWN_PATH = re.compile(r"^/(?:media/(?P<file>[^/]+)|editor/(?P<job>[^/]+)/)$")


def restore_jobs(
    sandbox: Sandbox, family: str | Family, payloads: Iterable[Mapping[str, Any]]
) -> int:
    """Add each payload's job unless the sandbox has it already; how many were added.

    A payload that cannot be a job (no id, a date that is not one) is left out: the
    others still come back."""
    family = family_named(family)
    restored = 0
    for payload in payloads:
        job_id = payload.get("id")
        if not isinstance(job_id, str) or job_id in sandbox:
            continue
        try:
            sandbox.add_job(family, **restorable_fields(family, payload))
        except (TypeError, ValueError):
            continue
        restored += 1
    return restored


def restorable_fields(family: Family, payload: Mapping[str, Any]) -> dict[str, Any]:
    """``add_job()`` fields that put the served ``payload`` back as described above."""
    job_id = str(payload["id"])
    fields = {name: _rehomed(value, job_id) for name, value in payload.items()}
    status = fields.get("status")
    has_preview = bool(fields.get("preview"))
    if status in FINAL_STATUSES:
        video = fields.get(family.output_field)
        if family.preview_render and status == DONE and has_preview and not video:
            fields["stage"] = PREVIEW
            # What its render will change is left to the timeline; the length it keeps
            # (and prices by) stays pinned.
            for name in (family.output_field, family.thumbnail_field, "credits_used"):
                if name is not None:
                    fields.pop(name, None)
    else:
        # Computed from the timeline as it goes on; pinned, they would never change.
        for name in family.derived_fields:
            fields.pop(name, None)
        if family.preview_render and has_preview:
            fields["stage"] = RENDER
    if "progress" in fields:
        fields["progress"] = _number(fields["progress"])
    # A field the payload left out stays out, rather than coming back with its default.
    kept = family.public_fields if status in FINAL_STATUSES else _stored(family)
    for name in kept:
        if name not in payload and name not in TIMELINE_FIELDS:
            fields[name] = OMIT
    return fields


def _stored(family: Family) -> list[str]:
    return [name for name in family.public_fields if name not in family.derived_fields]


def _rehomed(value: Any, job_id: str) -> Any:
    """A link to the sandbox's own file or to this job's editor page, made relative so
    that it names the sandbox's current address; anything else as it is."""
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        return value
    try:
        parts = urlsplit(value)
    except ValueError:
        return value
    own = _OWN_PATH.match(parts.path)
    if own is None or not (own["file"] in FILES or own["job"] == job_id):
        return value
    return LocalURL(parts.path + (f"?{parts.query}" if parts.query else ""))


def _number(progress: Any) -> Any:
    # The lipsync families serve progress as a decimal string ("0.45").
    if isinstance(progress, str):
        try:
            return float(progress)
        except ValueError:
            return progress
    return progress
