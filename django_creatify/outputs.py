"""Where a job's outputs can be watched: the site's archived copy first, Creatify's link
otherwise, and whether that link has outlived Creatify's retention.

Reads rows only, never the network: the admin and the API call it for every job they
show. A page of jobs costs one query for all their copies (:func:`attach_copies`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .choices import JobStatus
from .conf import creatify_settings
from .safe_urls import SiteURL

logger = logging.getLogger("django_creatify.outputs")

#: ``ARCHIVE_SERVE`` values: links to the storage's own URL, or to a view that streams
#: the file to those allowed to read the job.
SERVE_FROM_STORAGE = "storage"
SERVE_THROUGH_VIEW = "view"
SERVE_CHOICES = (SERVE_FROM_STORAGE, SERVE_THROUGH_VIEW)
# A ttl_days Creatify echoes is believed only within this range of days.
MAX_TTL_DAYS = 3650

_COPIES = "_creatify_archived_copies"

#: Builds the streaming view's URL of one copy: (job, field) -> URL.
ViewURL = Callable[[Any, str], str]


def copies(job) -> dict[str, Any]:
    """The job's archived outputs, by field name; read once per instance."""
    found = job.__dict__.get(_COPIES)
    if found is None:
        attach_copies([job])
        found = job.__dict__[_COPIES]
    return found


def attach_copies(jobs: Iterable[Any]) -> None:
    """Read the archived outputs of many jobs of one family in one query."""
    from .models import ArchivedOutput

    jobs = [job for job in jobs if _COPIES not in job.__dict__]
    if not jobs:
        return
    for job in jobs:
        job.__dict__[_COPIES] = {}
    if not creatify_settings.ARCHIVE_STORAGE:
        return  # off: rows from when it was on name files no storage can be asked for
    by_id = {job.pk: job for job in jobs}
    family = jobs[0].family().name
    rows = ArchivedOutput.objects.filter(family=family, job_id__in=list(by_id))
    for row in rows:
        by_id[row.job_id].__dict__[_COPIES][row.field] = row


def archived_url(job, field: str, *, view_url: ViewURL | None = None) -> str | None:
    """The URL of the job's archived ``field``, or None when there is no copy."""
    row = copies(job).get(field)
    if row is None:
        return None
    url = None
    if creatify_settings.ARCHIVE_SERVE == SERVE_FROM_STORAGE:
        url = _storage_url(row.path)
    url = url or (view_url or api_view_url)(job, field)
    return SiteURL(url) if url else None


def served_url(job, field: str, *, view_url: ViewURL | None = None) -> str | None:
    """Where ``field`` can be watched: the archived copy when there is one, else the
    value Creatify sent."""
    return archived_url(job, field, view_url=view_url) or getattr(job, field, None)


def describe_copies(job, *, view_url: ViewURL | None = None) -> dict[str, dict[str, Any]]:
    """Each archived output as the API shows it: URL, size, SHA-256, type and time."""
    return {
        field: {
            "url": archived_url(job, field, view_url=view_url),
            "size": row.size,
            "sha256": row.sha256,
            "content_type": row.content_type or None,
            "archived_at": _iso(row.archived_at),
        }
        for field, row in copies(job).items()
    }


def api_view_url(job, field: str) -> str | None:
    """The API's streaming view of one copy (readable by whoever may read the job)."""
    try:
        return reverse(
            f"django_creatify:{job.family().name}-archive",
            kwargs={"pk": job.pk, "field": field},
        )
    except NoReverseMatch:
        return None  # the host mounts the admin but not the app's URLs


def is_creatify_output(job, field: str) -> bool:
    """Whether ``field`` holds a file Creatify made (and deletes after its retention), not
    an input the site handed in, such as Aurora's image and audio."""
    return field in (job.family().output_field, "preview", "video_thumbnail")


def retention_days(job) -> int:
    """Days Creatify keeps this job's outputs: its own ``ttl_days`` if Creatify echoed
    one, else ``OUTPUT_RETENTION_DAYS``. The raw payload is read only when it is loaded
    (a list defers it), so a page never fetches it row by row."""
    raw = job.__dict__.get("raw")
    ttl = raw.get("ttl_days") if isinstance(raw, dict) else None
    if isinstance(ttl, int) and not isinstance(ttl, bool) and 0 < ttl <= MAX_TTL_DAYS:
        return ttl
    return int(creatify_settings.OUTPUT_RETENTION_DAYS)


def remote_expires_at(job) -> datetime | None:
    """When Creatify's copy of a finished job's outputs is due to be deleted."""
    if job.status != JobStatus.DONE:
        return None
    finished = job.updated_at or job.created_at
    if finished is None:
        return None
    return finished + timedelta(days=retention_days(job))


def remote_expired(job, now: datetime | None = None) -> bool:
    expires_at = remote_expires_at(job)
    return expires_at is not None and expires_at <= (now or timezone.now())


def _storage_url(path: str) -> str | None:
    from .archive import archive_storage

    try:
        return archive_storage().url(path)
    except NotImplementedError:
        return None  # a storage without URLs: the streaming view serves it
    except Exception:
        logger.warning("The archive storage gave no URL for %s", path, exc_info=True)
        return None


def _iso(value: datetime) -> str:
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


__all__ = [
    "SERVE_CHOICES",
    "api_view_url",
    "archived_url",
    "attach_copies",
    "copies",
    "describe_copies",
    "is_creatify_output",
    "remote_expired",
    "remote_expires_at",
    "retention_days",
    "served_url",
]
